import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { TempRepo, tagRecord, type Image } from '../helpers/git-repo.ts';
import { manifestRequestPath, pull, request } from '../helpers/shub-client.ts';

// The shub contract end to end: records in git → `sifhub build` → dist/ served over real HTTP →
// the requests the real clients make → the image downloaded from another real HTTP server.

const FIXTURES = fileURLToPath(new URL('../fixtures/sif/', import.meta.url));
const SITE = 'shub://registry.example.org';

let repo: TempRepo;
let images: StaticServer;
let site: StaticServer;
const img: Record<string, Image> = {};

async function fixture(name: string, port: number): Promise<Image> {
  const bytes = await readFile(path.join(FIXTURES, name));
  return {
    url: `https://127.0.0.1:${port}/${name}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
  };
}

beforeAll(async () => {
  images = await startStaticServer({ root: FIXTURES });
  img.busybox = await fixture('sce-3.8.1_busybox_amd64_signed.sif', images.port);
  img.empty = await fixture('synthetic_siflib_empty.sif', images.port);
  img.oci = await fixture('synthetic_oci-sif_empty.sif', images.port);

  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Protocol test\nurl: https://registry.example.org\n',
    'registry/base/busybox/latest.md': tagRecord(img.empty!),
    'registry/base/busybox/1.33.1.md': tagRecord(img.busybox!),
  });
  await repo.commit('add', '2024-01-01T00:00:00Z');
  await repo.write({
    'registry/base/busybox/latest.md': tagRecord(img.oci!),
    'registry/base/notag/2.0.md': tagRecord(img.busybox!),
    'registry/base/notag/1.0.md': tagRecord(img.empty!),
  });
  await repo.commit('move latest', '2024-02-01T00:00:00Z');

  const built = await runSifhub(['build', '--registry', 'registry', '--out', 'dist', '--quiet'], repo.dir);
  expect(withoutPlaceholderWarning(built.stderr)).toBe('');
  expect(built.code).toBe(0);
  site = await startStaticServer({ root: path.join(repo.dir, 'dist') });
});

afterAll(async () => {
  await site?.close();
  await images?.close();
  await repo?.dispose();
});

describe('shub protocol against the built site', () => {
  it('turns references into the request paths the client sends', () => {
    expect(manifestRequestPath(`${SITE}/base/busybox:1.33.1`)).toBe('/api/container/base/busybox:1.33.1');
    expect(manifestRequestPath(`${SITE}/base/busybox`)).toBe('/api/container/base/busybox:latest');
    expect(manifestRequestPath(`${SITE}/base/busybox@${'a'.repeat(32)}`)).toBe(`/api/container/base/busybox@${'a'.repeat(32)}`);
    expect(manifestRequestPath('shub://lab.github.io/registry/base/busybox:1.0@' + 'b'.repeat(32))).toBe(`/registry/api/container/base/busybox:1.0@${'b'.repeat(32)}`);
  });

  it.each([
    ['base/busybox:1.33.1', 'busybox'],
    ['base/busybox:latest', 'oci'],
    ['base/busybox', 'oci'],
    ['base/notag:2.0', 'busybox'],
    ['base/notag:1.0', 'empty'],
  ])('pull %s gets the recorded bytes', async (ref, which) => {
    const pulled = await pull(site.url, `${SITE}/${ref}`);
    const expected = img[which]!;
    expect(pulled).toMatchObject({ bytes: expected.size, sha256: expected.sha256, md5: expected.md5 });
    expect(pulled.manifest).toMatchObject({ commit: expected.sha256, version: expected.md5, image: expected.url });
  });

  it('pins every image by md5, with and without the tag, also after the tag moved', async () => {
    for (const ref of [`base/busybox:latest@${img.empty!.md5}`, `base/busybox@${img.empty!.md5}`]) {
      expect((await pull(site.url, `${SITE}/${ref}`)).sha256).toBe(img.empty!.sha256);
    }
    expect((await pull(site.url, `${SITE}/base/busybox:latest@${img.oci!.md5}`)).sha256).toBe(img.oci!.sha256);
    expect((await pull(site.url, `${SITE}/base/busybox:1.33.1@${img.busybox!.md5}`)).sha256).toBe(img.busybox!.sha256);
  });

  it('resolves :latest of a container without a latest tag to its most recently updated tag', async () => {
    const pulled = await pull(site.url, `${SITE}/base/notag`);
    expect(pulled.manifest.tag).toBe('2.0');
    expect(pulled.sha256).toBe(img.busybox!.sha256);
  });

  it('serves what Singularity 2.x reads: branch, size_mb and metrics', async () => {
    const res = await request('GET', site.url, '/api/container/base/busybox:1.33.1');
    expect(JSON.parse(res.body.toString())).toEqual({
      image: img.busybox!.url,
      name: 'busybox',
      tag: '1.33.1',
      branch: '1.33.1',
      version: img.busybox!.md5,
      commit: img.busybox!.sha256,
      size_mb: 0.76,
      metrics: {},
      collection: 'base',
    });
  });

  it('answers 404, not 403, for a missing record (sregistry-cli)', async () => {
    expect((await request('GET', site.url, '/api/container/base/busybox:9.9')).status).toBe(404);
    expect((await request('GET', site.url, '/api/container/nope/nothing:latest')).status).toBe(404);
    expect((await request('GET', site.url, `/api/container/base/busybox@${'0'.repeat(32)}`)).status).toBe(404);
  });

  it('lets sregistry-cli HEAD the image without following redirects', async () => {
    const image = new URL(img.busybox!.url);
    const res = await request('HEAD', `http://${image.host}`, image.pathname);
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(img.busybox!.size);
  });

  it('gives every distinct image its own cache key', async () => {
    const keys = new Map<string, string>();
    for (const ref of ['base/busybox:1.33.1', 'base/busybox:latest', 'base/notag:1.0']) {
      const { manifest, sha256 } = await pull(site.url, `${SITE}/${ref}`);
      keys.set(String(manifest.commit), sha256);
    }
    expect([...keys].every(([key, sha]) => key === sha)).toBe(true);
    expect(keys.size).toBe(3);
  });
});
