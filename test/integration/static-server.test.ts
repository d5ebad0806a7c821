import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { request } from '../helpers/shub-client.ts';

// The preview server behind `sifhub serve`: GitHub Pages' behaviour for the files we emit.

let root: string;
let server: StaticServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sifhub-serve-'));
  await mkdir(path.join(root, 'site', 'api', 'container', 'lab'), { recursive: true });
  await mkdir(path.join(root, 'site', 'about'), { recursive: true });
  await writeFile(path.join(root, 'site', 'api', 'container', 'lab', `tool:1.0@${'a'.repeat(32)}`), '{"image":"x"}');
  await writeFile(path.join(root, 'site', 'about', 'index.html'), '<h1>About</h1>');
  await writeFile(path.join(root, 'site', 'big.html'), `<p>${'words '.repeat(2000)}</p>`);
  await writeFile(path.join(root, 'site', 'image.sif'), Buffer.alloc(4096, 7));
  await writeFile(path.join(root, 'site', '404.html'), 'custom not found');
  await writeFile(path.join(root, 'secret.txt'), 'outside the site');
  server = await startStaticServer({ root: path.join(root, 'site'), base: '/registry' });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('static preview server', () => {
  it('serves file names with literal and percent-encoded : and @ under the path prefix', async () => {
    for (const p of [`/registry/api/container/lab/tool:1.0@${'a'.repeat(32)}`, `/registry/api/container/lab/tool%3A1.0%40${'a'.repeat(32)}`]) {
      const res = await request('GET', server.url, p);
      expect(res.status, p).toBe(200);
      expect(res.body.toString()).toBe('{"image":"x"}');
    }
  });

  it('gzips text for a client that accepts it, as GitHub Pages does, and never an image', async () => {
    const get = (p: string, headers: Record<string, string>) => fetch(`${server.url}${p}`, { headers });
    const page = await get('/big.html', { 'Accept-Encoding': 'gzip' });
    expect(page.headers.get('content-encoding')).toBe('gzip');
    expect(await page.text()).toBe(`<p>${'words '.repeat(2000)}</p>`); // fetch decompresses
    expect((await get('/big.html', { 'Accept-Encoding': 'identity' })).headers.get('content-encoding')).toBeNull();
    const image = await get('/image.sif', { 'Accept-Encoding': 'gzip' });
    expect([image.headers.get('content-encoding'), image.headers.get('content-length')]).toEqual([null, '4096']);
  });

  it('serves index.html for folders and redirects a folder without its slash', async () => {
    expect((await request('GET', server.url, '/registry/about/')).body.toString()).toBe('<h1>About</h1>');
    const redirect = await request('GET', server.url, '/registry/about');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/registry/about/']);
  });

  it('answers 404 with the site 404 page outside the prefix and for missing files', async () => {
    for (const p of ['/api/container/lab/tool:1.0', '/registry/nothing', '/registryx/about/']) {
      const res = await request('GET', server.url, p);
      expect([res.status, res.body.toString()], p).toEqual([404, 'custom not found']);
    }
  });

  it('never serves a file outside the site folder', async () => {
    for (const p of ['/registry/../secret.txt', '/registry/%2e%2e/secret.txt', '/registry/..%2fsecret.txt', '/registry/%2e%2e%2f%2e%2e%2fetc/passwd']) {
      const res = await request('GET', server.url, p);
      expect(res.status, p).not.toBe(200);
      expect(res.body.toString(), p).not.toContain('outside the site');
    }
  });

  it('listens on 127.0.0.1 only by default', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });
});
