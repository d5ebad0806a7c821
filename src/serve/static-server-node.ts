import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import mimeDb from 'mime-db';
import { servedAs } from '../schema/served-as.ts';

// A static file server for previewing dist/ the way GitHub Pages serves it: file names with
// literal `:` and `@` (the shub manifests), directory index.html, 404.html for misses, and the
// site mounted under its path prefix, each file typed by its extension as Pages types it (with
// nosniff), and compressible types gzipped for a client that accepts it, as Pages does. Only for
// local use: it binds to 127.0.0.1 by default.

/** The Content-Type GitHub Pages sends (mime-db by extension), UTF-8 declared for text. */
function contentType(file: string): string {
  const type = servedAs(path.basename(file));
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startStaticServer(options: { root: string; host?: string; port?: number; base?: string }): Promise<StaticServer> {
  const root = path.resolve(options.root);
  const base = (options.base ?? '').replace(/\/+$/, '');
  const server = http.createServer((req, res) => {
    serve(root, base, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}${base}`,
    port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function serve(root: string, base: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (base && pathname !== base && !pathname.startsWith(`${base}/`)) return notFound(root, res);
  const relative = pathname.slice(base.length) || '/';
  const target = path.join(root, relative);
  if (target !== root && !target.startsWith(root + path.sep)) return notFound(root, res);

  let file = target;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!relative.endsWith('/')) {
      res.writeHead(301, { Location: `${base}${relative}/` }).end();
      return;
    }
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return notFound(root, res);
  const type = servedAs(path.basename(file));
  const headers = { 'Content-Type': contentType(file), 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding' };
  // mime-db marks application/octet-stream compressible; a host does not gzip unknown bytes (an image).
  if (mimeDb[type]?.compressible && type !== 'application/octet-stream' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && info.size > 1024) {
    res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(createGzip()).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': info.size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

async function notFound(root: string, res: http.ServerResponse): Promise<void> {
  const page = await readFile(path.join(root, '404.html')).catch(() => Buffer.from('Not found\n'));
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length }).end(page);
}
