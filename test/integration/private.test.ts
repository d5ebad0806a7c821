import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { describeImage, tagRecord, TempRepo, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { libraryPull, type Generation } from '../helpers/library-client.ts';
import { nginxConfig, startNginx, type Host } from '../helpers/library-hosts.ts';
import { manifestRequestPath, request } from '../helpers/shub-client.ts';

// A private registry (registry.yml access: private) on Debian's nginx with the configuration
// `sifhub nginx-config` writes, its token check running in nginx's JavaScript module, and tokens
// made by `sifhub token`. A valid token pulls with both library:// client generations (the image
// fetched by nginx from internal storage, its address never handed out); a missing, wrong,
// expired or revoked one gets 401 on every page, JSON file, manifest and image.

const FIXTURES = fileURLToPath(new URL('../fixtures/sif/', import.meta.url));

let images: ImageServer;
let repo: TempRepo;
let nginx: Host;
let tokens: string;
const img: Record<string, Image & { bytes: Buffer }> = {};
const issued: Record<string, string> = {};

const token = (...args: string[]) => runSifhub(['token', ...args, '--file', tokens], repo.dir);

beforeAll(async () => {
  const busybox = await readFile(path.join(FIXTURES, 'sce-3.8.1_busybox_amd64_signed.sif'));
  const alpine = await readFile(path.join(FIXTURES, 'singularity-3.2.1_alpine_labels-apps.sif'));
  images = await startImageServer({ '/busybox.sif': busybox, '/alpine.sif': alpine });
  // Internal storage by address: nginx fetches the images itself.
  const internal = images.base.replace('localhost', '127.0.0.1');
  img.busybox = describeImage(busybox, `${internal}/busybox.sif`);
  img.alpine = describeImage(alpine, `${internal}/alpine.sif`);
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Private institute\nurl: https://hpc.example.edu/registry\nlibrary: nginx\naccess: private\nshubNetworks: ["10.99.0.0/16"]\n',
    'registry/lab/tool/1.0.md': tagRecord(img.alpine!),
  });
  await repo.commit('start', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(img.busybox!) });
  await repo.commit('move 1.0', '2024-02-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(build.code, build.stderr).toBe(0);
  tokens = path.join(repo.dir, 'etc/tokens.json');
  for (const name of ['ada', 'grace', 'old']) {
    const added = await token('add', name, ...(name === 'old' ? ['--expires', '1s'] : []));
    expect(added.code, added.stderr).toBe(0);
    issued[name] = added.stdout.trim();
  }
  await chmod(repo.dir, 0o755);
  nginx = await startNginx(await nginxConfig(repo.dir, path.join(repo.dir, 'dist'), ['--tokens', tokens]));
  // The token made to last a second has run out.
  await new Promise((resolve) => setTimeout(resolve, 1100));
}, 180_000);

afterAll(async () => {
  await nginx?.close();
  await images?.close();
  await repo?.dispose();
});

const base = () => `${nginx.url}/registry`;
const PATHS = () => [
  '/registry/',
  '/registry/collections/lab/tool/1.0/',
  '/registry/api/v1/registry.json',
  manifestRequestPath('shub://hpc.example.edu/registry/lab/tool:1.0'),
  '/registry/v1/images/lab/tool:1.0',
  '/registry/v1/imagefile/lab/tool:1.0',
  '/registry/v1/imagefile/lab/tool:nothing',
  '/registry/version',
  '/registry/pagefind/pagefind-entry.json',
  '/registry/nothing-here',
];

describe('a private registry on nginx', () => {
  it('stores only each token\'s sha256, and prints the token once', async () => {
    const stored = await readFile(tokens, 'utf8');
    expect(issued.ada).toMatch(/^sifhub_[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(issued.ada);
    expect(stored).toContain(createHash('sha256').update(issued.ada!).digest('hex'));
    const list = await token('list');
    expect(list.stdout).toMatch(/^ada +created \d{4}-\d\d-\d\d {2}never expires$/m);
    expect(list.stdout).toMatch(/^old +created .* expired /m);
  });

  it.each(['current', 'legacy'] as Generation[])('lets the %s library:// client pull with a valid token, the image passed on from internal storage', async (generation) => {
    for (const [ref, expected] of [['1.0', img.busybox!], [`sha256.${img.alpine!.sha256}`, img.alpine!]] as const) {
      const pulled = await libraryPull(base(), 'lab/tool', ref, { generation, token: issued.ada });
      expect(pulled.bytes.equals(expected.bytes), ref).toBe(true);
      // The image's address never reaches the client.
      expect(pulled.requests.every((r) => r.includes(base())), pulled.requests.join('\n')).toBe(true);
    }
  });

  it('answers pages, JSON and manifests to a token sent as a browser sends it (basic authentication)', async () => {
    const basic = `Basic ${Buffer.from(`grace:${issued.grace}`).toString('base64')}`;
    for (const sitePath of PATHS().slice(0, 4)) expect((await request('GET', nginx.url, sitePath, { headers: { Authorization: basic } })).status, sitePath).toBe(200);
    const page = await request('GET', nginx.url, '/registry/', { headers: { Authorization: basic } });
    expect(page.body.toString()).toContain('This registry is private');
    expect(page.headers['cache-control']).toBe('private, no-store');
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer sifhub_not-a-token'],
    ['an expired token', () => `Bearer ${issued.old}`],
  ])('answers 401 to %s everywhere: pages, JSON, manifests, library JSON, images, unknown paths', async (_, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    for (const sitePath of PATHS()) {
      const response = await request('GET', nginx.url, sitePath, authorization ? { headers: { Authorization: authorization } } : {});
      expect(response.status, sitePath).toBe(401);
      expect(response.body.toString(), sitePath).not.toContain(img.busybox!.url);
    }
    const browser = await request('GET', nginx.url, '/registry/');
    expect(browser.headers['www-authenticate']).toBe('Basic realm="Private institute", charset="UTF-8"');
  });

  it('refuses a revoked token from the next request on, without a reload', async () => {
    expect((await request('GET', nginx.url, '/registry/api/v1/registry.json', { headers: { Authorization: `Bearer ${issued.grace}` } })).status).toBe(200);
    expect((await token('revoke', 'grace')).code).toBe(0);
    expect((await request('GET', nginx.url, '/registry/api/v1/registry.json', { headers: { Authorization: `Bearer ${issued.grace}` } })).status).toBe(401);
    await expect(libraryPull(base(), 'lab/tool', '1.0', { generation: 'current', token: issued.grace })).rejects.toThrow('http status code: 401');
    expect((await request('GET', nginx.url, '/registry/api/v1/registry.json', { headers: { Authorization: `Bearer ${issued.ada}` } })).status).toBe(200);
  });

  it('answers shub:// only from the listed networks (127.0.0.1 is not one): the manifest needs a token here', async () => {
    expect((await request('GET', nginx.url, manifestRequestPath('shub://hpc.example.edu/registry/lab/tool:1.0'))).status).toBe(401);
    const config = await readFile(path.join(repo.dir, 'nginx-dist/server.conf'), 'utf8');
    expect(config).toContain('    satisfy any;\n    allow 10.99.0.0/16;\n    deny all;');
  });

  it('says so, instead of failing as a bug, when the tokens file is not one it wrote', async () => {
    const broken = path.join(repo.dir, 'etc/broken.json');
    await writeFile(broken, '{ not json');
    const listed = await runSifhub(['token', 'list', '--file', broken], repo.dir);
    expect(listed.code).toBe(3);
    expect(listed.stderr).toContain(`${broken} is not a tokens file sifhub wrote; move it away or fix it`);
  });

  it('keeps the tokens file out of the site and the repository', async () => {
    await writeFile(path.join(repo.dir, '.gitignore'), '');
    expect(await repo.git('status', '--porcelain', '--', 'registry')).toBe('');
    expect((await request('GET', nginx.url, '/registry/tokens.json', { headers: { Authorization: `Bearer ${issued.ada}` } })).status).toBe(404);
  });

  it('passes sifhub check-deployment with a token, which also finds every file refused without one', async () => {
    const checked = await runSifhub(['check-deployment', '--url', base(), '--token', issued.ada!], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('/registry/api/v1/registry.json (401 without a token)');
    expect(checked.stdout).toContain('/registry/v1/imagefile/lab/tool:1.0 (401 without a token)');
    const json = await runSifhub(['check-deployment', '--url', base(), '--token', issued.ada!, '--json'], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, problems: [] });
    const without = await runSifhub(['check-deployment', '--url', base()], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(without.code).toBe(3);
    expect(without.stderr).toContain('answered 401, expected 200 (a private registry: pass --token with a token from `sifhub token add`)');
  });

  describe('behind the institution\'s single sign-on (auth_request)', () => {
    let sso: Server;
    let behindSso: Host;
    const asked: string[] = [];

    beforeAll(async () => {
      // The institution's auth endpoint, as oauth2-proxy's /oauth2/auth answers: 202 for a signed-in session, 401 otherwise.
      sso = createServer((req, res) => {
        asked.push(String(req.headers['x-original-uri']));
        res.writeHead(/(^|; )session=signed-in(;|$)/.test(req.headers.cookie ?? '') ? 202 : 401).end();
      });
      await new Promise<void>((resolve) => sso.listen(0, '127.0.0.1', resolve));
      const auth = `http://127.0.0.1:${(sso.address() as AddressInfo).port}/oauth2/auth`;
      behindSso = await startNginx(await nginxConfig(repo.dir, path.join(repo.dir, 'dist'), ['--tokens', tokens, '--sso-auth', auth, '--sso-login', 'https://sso.example.edu/sign_in?rd='], 'nginx-sso'));
    }, 60_000);
    afterAll(async () => {
      await behindSso?.close();
      await new Promise((resolve) => sso?.close(resolve));
    });

    it('lets a browser with a session in, sends one without to sign in, and still takes tokens', async () => {
      const signedIn = await request('GET', behindSso.url, '/registry/collections/lab/tool/1.0/', { headers: { Cookie: 'theme=dark; session=signed-in' } });
      expect(signedIn.status).toBe(200);
      expect(asked).toContain('/registry/collections/lab/tool/1.0/');
      const stranger = await request('GET', behindSso.url, '/registry/api/v1/registry.json', { headers: { Cookie: 'session=forged' } });
      expect(stranger.status).toBe(302);
      expect(stranger.headers.location).toBe('https://sso.example.edu/sign_in?rd=/registry/api/v1/registry.json');
      const pulled = await libraryPull(`${behindSso.url}/registry`, 'lab/tool', '1.0', { generation: 'current', token: issued.ada });
      expect(pulled.bytes.equals(img.busybox!.bytes)).toBe(true);
    });
  });
});
