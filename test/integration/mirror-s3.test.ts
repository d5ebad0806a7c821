import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecord } from '../../src/records/check-record.ts';
import { makeS3Client } from '../../src/storage/s3.ts';
import { runSifhub } from '../helpers/cli.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
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
let github: FakeGitHub;
let remote: string;
const client = () => makeS3Client(s3.env);

beforeAll(async () => {
  [s3, images, github] = await Promise.all([startS3Server(), startImageServer(files), startFakeGitHub({ repos: { 'lab/registry': 'main' }, login: 'ada' })]);
  await createBucket(s3, 'mirror', true, { list: true });
  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: Lab\nurl: https://lab.example.org\nrepository: https://github.com/lab/registry\n', 'registry/lab/tool/1.0.md': tagRecord(claim(A, `${images.base}/a.sif`)) });
  await repo.commit('add 1.0', '2024-01-01T00:00:00Z');
  // 1.0 moves on: its first image lives only in history now. 2.0's host serves other bytes.
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(claim(B, `${images.base}/b.sif`)), 'registry/lab/tool/2.0.md': tagRecord(claim(C, `${images.base}/c.sif`)) });
  await repo.commit('move 1.0, add 2.0', '2024-02-01T00:00:00Z');
  remote = await mkdtemp(path.join(tmpdir(), 'sifhub-remote-'));
  await repo.git('init', '-q', '--bare', remote);
  await repo.git('remote', 'add', 'origin', remote);
  await repo.git('push', '-q', 'origin', 'HEAD:main');
}, 300_000);

afterAll(async () => {
  await Promise.all([s3?.stop(), images?.close(), github?.close(), repo?.dispose()]);
  if (remote) await rm(remote, { recursive: true, force: true });
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

  it('trusts no metadata: an object of the right size with a forged sha256, or none, is replaced, and only then said to be copied', async () => {
    const [a, b] = [claim(A, ''), claim(B, '')];
    await client().send(new PutObjectCommand({ Bucket: 'mirror', Key: `sif/sha256/${a.sha256}.sif`, Body: Buffer.alloc(A.length, 1), Metadata: { sha256: a.sha256, md5: a.md5 } }));
    await client().send(new PutObjectCommand({ Bucket: 'mirror', Key: `sif/sha256/${b.sha256}.sif`, Body: Buffer.alloc(B.length, 2) }));
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`copied     ${a.sha256.slice(0, 12)}`);
    expect(result.stdout).toContain(`copied     ${b.sha256.slice(0, 12)}`);
    expect(result.stdout).toContain('✔ s3://mirror/sif: 2 copied, 1 already there, of 3 images');
    expect([...(await mirrored()).values()].sort()).toEqual([A, B, C].map((bytes) => createHash('sha256').update(bytes).digest('hex')).sort());
  });

  it('with --record, proposes each copy for its tags\' mirrors: in a pull request, the checkout untouched, and verify checks the copies', async () => {
    const before = await repo.git('status', '--porcelain');
    // The bucket's own https address serves the copies (path-style: /BUCKET/KEY).
    const served = `${s3.httpsEndpoint}/mirror`;
    const result = await runSifhub(
      ['mirror', '--to', 's3://mirror/sif', '--public-url', served, '--allow-host', 'localhost', '--record'],
      repo.dir,
      { ...s3.env, ...images.trust, GITHUB_API_URL: github.apiUrl, GITHUB_TOKEN: 'ghp_test', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.org', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.org' },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 copied, 3 already there, of 3 images');
    const branch = /on branch (sifhub\/mirrors-[0-9a-f]{12})/.exec(result.stdout)![1]!;
    expect(github.writes.pulls).toEqual([expect.objectContaining({ repo: 'lab/registry', title: 'Record mirrors of 2 images', head: branch, base: 'main' })]);
    // 1.0 gets the copy of its current image; its first image's copy stays in the bucket only (no record names it).
    const [b, c] = [claim(B, ''), claim(C, '')];
    for (const [tag, image] of [['1.0', b], ['2.0', c]] as const) {
      const text = await repo.git('--git-dir', remote, 'show', `${branch}:registry/lab/tool/${tag}.md`);
      expect(checkRecord({ display: tag, text }, 'tag')).toMatchObject({ ok: true, data: { sha256: image.sha256, mirrors: [`${served}/sif/sha256/${image.sha256}.sif`] } });
    }
    expect(await repo.git('status', '--porcelain')).toBe(before);
    // The pull request's check: verify fetches each new address (the mirrors) and finds the recorded bytes.
    const verify = await runSifhub(['verify', '--base', 'main', '--head', branch, '--allow-host', '127.0.0.1'], repo.dir, { NODE_EXTRA_CA_CERTS: s3.certFile });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('mirrors[0]');
  });
});

