import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, stat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runSifhub } from './cli.ts';
import { freePort } from './free-port.ts';

// The hosts that can send a library:// client from /v1/imagefile/… to the image, serving a built
// site: nginx itself, with the configuration `sifhub nginx-config` writes; Netlify's own redirect matcher
// (netlify-redirector, the WebAssembly build `netlify dev` runs) in front of the site's files; and
// Cloudflare Pages as `wrangler pages dev` runs it (workerd, Cloudflare's runtime, offline).

export interface Host {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
  /** Reload the configuration, as an admin does after a deploy (nginx -s reload). */
  reload?(): Promise<void>;
}

/** nginx's JavaScript module (Debian's libnginx-mod-http-js), which a private registry's token check runs in. */
const NJS_MODULE = 'load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\n';

/** `sifhub nginx-config` for the registry in `repoDir`, serving `root`: the folder it wrote into (inside `repoDir`). */
export async function nginxConfig(repoDir: string, root: string, extra: string[] = [], name = `nginx-${path.basename(root)}`): Promise<string> {
  const out = path.join(repoDir, name);
  const result = await runSifhub(['nginx-config', '--registry', 'registry', '--root', root, '--out-dir', out, ...extra], repoDir);
  if (result.code !== 0) throw new Error(`sifhub nginx-config failed: ${result.stderr}`);
  return out;
}

/**
 * nginx (Debian's) serving the built site at `root` with the configuration `sifhub nginx-config`
 * writes for it (`out`: the folder it wrote http.conf and server.conf into), listening on
 * 127.0.0.1. No daemon, everything else under a temp dir. With `user`, as a web server is run: a
 * master (root) and workers that serve as that unprivileged user.
 */
export async function startNginx(out: string, options: { user?: string } = {}): Promise<Host> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n');
  await writeFile(
    path.join(dir, 'nginx.conf'),
    `${NJS_MODULE}daemon off;\n${options.user ? `user ${options.user};\n` : 'master_process off;\n'}pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\nhttp {\n access_log off;\n ${temp}\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n include ${out}/http.conf;\n server {\n  listen 127.0.0.1:${port};\n  include ${out}/server.conf;\n }\n}\n`,
  );
  const test = spawnSync('/usr/sbin/nginx', ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the configuration: ${test.stderr}`);
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitForPort(port, child, async () => `nginx did not start: ${stderr}${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => stopProcess(child, dir),
    reload: async () => {
      const result = spawnSync('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-s', 'reload'], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`nginx -s reload failed: ${result.stderr}`);
      // The new workers take over once the old ones finish; give them a moment.
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
  };
}

/** Stops a host started as a process, then removes its temp dir. */
async function stopProcess(child: ChildProcess, dir: string): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  await rm(dir, { recursive: true, force: true });
}

async function waitForPort(port: number, child: ChildProcess, failure: () => Promise<string>, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null) throw new Error(await failure());
    const open = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error(await failure());
}

interface Matcher {
  match(request: { scheme: string; host: string; path: string; query: string; getHeader(name: string): string; getCookie(name: string): string }): { to: string; status: number; force: boolean } | null;
}

/**
 * Netlify as it serves a site: a file at the path is served (rules without `!` never shadow one),
 * else the site's `_redirects`, parsed and matched by Netlify's redirector, answer.
 */
export async function startNetlifyHost(root: string): Promise<Host> {
  const redirector = createRequire(import.meta.url)('netlify-redirector') as { parsePlain(rules: string, options: object): Promise<Matcher> };
  const matcher = await redirector.parsePlain(await readFile(path.join(root, '_redirects'), 'utf8').catch(() => ''), {});
  const serveFile = async (res: http.ServerResponse, pathname: string): Promise<boolean> => {
    const file = path.join(root, decodeURIComponent(pathname));
    const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
    const served = info?.isDirectory() ? path.join(file, 'index.html') : file;
    if (!info || !(await stat(served).catch(() => undefined))?.isFile()) return false;
    const body = await readFile(served);
    res.writeHead(200, { 'content-length': body.length }).end(body);
    return true;
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = () => matcher.match({ scheme: 'http', host: url.host, path: url.pathname, query: url.search.slice(1), getHeader: () => '', getCookie: () => '' });
    // A forced rewrite (200!) answers before the file at its path; one to a missing file is a 404.
    // A forced 404! answers with its target's content and that status.
    const forced = match();
    if (forced?.force && forced.status === 200) return void ((await serveFile(res, new URL(forced.to, url).pathname)) || res.writeHead(404).end());
    if (forced?.force && forced.status === 404) {
      const body = await readFile(path.join(root, decodeURIComponent(new URL(forced.to, url).pathname))).catch(() => Buffer.alloc(0));
      return void res.writeHead(404, { 'content-length': body.length }).end(body);
    }
    const file = path.join(root, decodeURIComponent(url.pathname));
    const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
    const served = info?.isDirectory() ? path.join(file, 'index.html') : file;
    if (info && (await stat(served).catch(() => undefined))?.isFile()) {
      const body = await readFile(served);
      return void res.writeHead(200, { 'content-length': body.length }).end(body);
    }
    const rule = match();
    if (rule && rule.status >= 300 && rule.status < 400) return void res.writeHead(rule.status, { location: rule.to }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const WRANGLER = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));

/** Cloudflare Pages serving `root` (its _redirects, _worker.js and _routes.json included), offline. */
export async function startCloudflareHost(root: string): Promise<Host> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-wrangler-'));
  const port = await freePort();
  const child = spawn(process.execPath, [WRANGLER, 'pages', 'dev', root, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--log-level', 'error'], {
    cwd: dir,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: dir, XDG_CONFIG_HOME: dir, HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await waitForPort(port, child, async () => `wrangler pages dev did not start: ${output}`, 600);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => stopProcess(child, dir),
  };
}
