import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeS3Client } from '../../src/storage/s3.ts';
import { runSifhub } from '../helpers/cli.ts';
import { tagRecord, TempRepo, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { createBucket, startS3Server, type S3Server } from '../helpers/s3-server.ts';

// `sifhub mirror` end to end: images served over https (some of them wrongly), a real S3 server
// (Ceph radosgw) as the mirror, and a registry whose history holds more images than its records.

const SIF = await readFile(new URL('../fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif', import.meta.url));
const variant = (n: number) => Buffer.from(SIF).fill(n, 4096, 8192);
const [A, B, C] = [variant(1), variant(2), variant(3)];
const claim = (bytes: Buffer, url: string): Image => ({ url, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('hex') });
const files: Record<string, Buffer> = { '/a.sif': A, '/b.sif': B, '/c.sif': variant(9) };

let s3: S3Server;
let images: ImageServer;
let repo: TempRepo;
const client = () => makeS3Client(s3.env);

beforeAll(async () => {
  [s3, images] = await Promise.all([startS3Server(), startImageServer(files)]);
  await createBucket(s3, 'mirror', true, { list: true });
  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: Lab\nurl: https://lab.example.org\n', 'registry/lab/tool/1.0.md': tagRecord(claim(A, `${images.base}/a.sif`)) });
  await repo.commit('add 1.0', '2024-01-01T00:00:00Z');
  // 1.0 moves on: its first image lives only in history now. 2.0's host serves other bytes.
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(claim(B, `${images.base}/b.sif`)), 'registry/lab/tool/2.0.md': tagRecord(claim(C, `${images.base}/c.sif`)) });
  await repo.commit('move 1.0, add 2.0', '2024-02-01T00:00:00Z');
}, 300_000);

afterAll(async () => {
  await Promise.all([s3?.stop(), images?.close(), repo?.dispose()]);
});

async function mirrored(): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  for (const o of (await client().send(new ListObjectsV2Command({ Bucket: 'mirror' }))).Contents ?? []) {
    const body = await (await client().send(new GetObjectCommand({ Bucket: 'mirror', Key: o.Key! }))).Body!.transformToByteArray();
    objects.set(o.Key!, createHash('sha256').update(body).digest('hex'));
  }
  return objects;
}

describe('sifhub mirror', () => {
  const run = () => runSifhub(['mirror', '--to', 's3://mirror/sif', '--public-url', 'https://mirror.example.org', '--allow-host', 'localhost'], repo.dir, { ...s3.env, ...images.trust });

  it('copies every version ever published, each checked, and never stores bytes that are not the recorded ones', async () => {
    const result = await run();
    expect(result.code).toBe(3);
    const [a, b, c] = [claim(A, ''), claim(B, ''), claim(C, '')];
    expect(result.stdout).toContain(`copied     ${a.sha256.slice(0, 12)}  lab/tool:1.0  https://mirror.example.org/sif/sha256/${a.sha256}.sif`);
    expect(result.stdout).toContain(`copied     ${b.sha256.slice(0, 12)}  lab/tool:1.0  https://mirror.example.org/sif/sha256/${b.sha256}.sif`);
    expect(result.stderr).toContain(`✖ failed     ${c.sha256.slice(0, 12)}  lab/tool:2.0`);
    expect(result.stderr).toMatch(/c\.sif serves other bytes: sha256 [0-9a-f]{64}, the record says/);
    expect(result.stderr).toContain('s3://mirror/sif: 2 copied, 0 already there, of 3 images; 1 could not be copied (above): nothing was stored for them.');
    expect(await mirrored()).toEqual(new Map([[`sif/sha256/${a.sha256}.sif`, a.sha256], [`sif/sha256/${b.sha256}.sif`, b.sha256]]));
  });

  it('skips what the mirror already holds, and copies the rest once its host serves the right bytes', async () => {
    files['/c.sif'] = C;
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✔ s3://mirror/sif: 1 copied, 2 already there, of 3 images');
    expect([...(await mirrored()).values()].sort()).toEqual([A, B, C].map((bytes) => createHash('sha256').update(bytes).digest('hex')).sort());
  });
});
