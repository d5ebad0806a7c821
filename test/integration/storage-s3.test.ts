import { StorageError } from '../../src/errors.ts';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeS3Client, presignGet, uploadImage } from '../../src/storage/s3.ts';
import { imageKey, publicUrlOf } from '../../src/storage/s3-url.ts';
import { hashFile } from '../../src/sif/hash-file-fs.ts';
import { runSifhub } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { createBucket, fetchWithCert, startS3Server, type S3Server } from '../helpers/s3-server.ts';

// Against a real S3 server (Ceph radosgw, started here): uploads by content key, multipart,
// idempotence, refusal to overwrite, and presigned links that work until they expire and
// not at all when tampered with.

let s3: S3Server;
let dir: string;
const FIXTURE = new URL('../fixtures/sif/synthetic_apptainer-style_zstd.sif', import.meta.url).pathname;

beforeAll(async () => {
  s3 = await startS3Server();
  await createBucket(s3, 'public-images', true);
  await createBucket(s3, 'private-images', false);
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-s3-test-'));
}, 240_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const client = () => makeS3Client(s3.env);

describe('S3 upload', () => {
  it('puts the image under its sha256, served publicly byte for byte; a second upload sends nothing', async () => {
    const hashes = await hashFile(FIXTURE);
    const location = { bucket: 'public-images', prefix: 'sif' };
    const first = await uploadImage({ client: client(), location, file: FIXTURE, ...hashes });
    expect(first).toEqual({ key: `sif/sha256/${hashes.sha256}.sif`, uploaded: true });
    const served = await fetchWithCert(publicUrlOf(`${s3.httpsEndpoint}/public-images`, first.key), s3.certFile);
    expect(served.status).toBe(200);
    expect(createHash('sha256').update(served.body).digest('hex')).toBe(hashes.sha256);

    const before = await client().send(new HeadObjectCommand({ Bucket: 'public-images', Key: first.key }));
    expect(before.Metadata).toEqual({ sha256: hashes.sha256, md5: hashes.md5 });
    const again = await uploadImage({ client: client(), location, file: FIXTURE, ...hashes });
    expect(again.uploaded).toBe(false);
    const after = await client().send(new HeadObjectCommand({ Bucket: 'public-images', Key: first.key }));
    expect(after.LastModified).toEqual(before.LastModified);
  });

  it('never overwrites other bytes found under the key', async () => {
    const hashes = await hashFile(FIXTURE);
    const location = { bucket: 'public-images', prefix: 'clash' };
    await client().send(new PutObjectCommand({ Bucket: 'public-images', Key: imageKey(location, hashes.sha256), Body: 'not the image' }));
    await expect(uploadImage({ client: client(), location, file: FIXTURE, ...hashes })).rejects.toThrow(
      new StorageError(`s3://public-images/clash/sha256/${hashes.sha256}.sif already holds 13 bytes that are not this image; refusing to overwrite (remove that object if it is junk, then run the command again)`),
    );
  });

  it('uploads a large image in parts, reporting progress', async () => {
    const file = path.join(dir, 'large.sif');
    await writeFile(file, randomFillSync(Buffer.alloc(40 * 1024 * 1024)));
    const hashes = await hashFile(file);
    const seen: number[] = [];
    const result = await uploadImage({ client: client(), location: { bucket: 'public-images', prefix: '' }, file, ...hashes, progress: { update: (n) => seen.push(n), finish() {} } });
    const head = await client().send(new HeadObjectCommand({ Bucket: 'public-images', Key: result.key }));
    expect(head.ContentLength).toBe(hashes.size);
    expect(head.ETag).toMatch(/-3"$/); // a multipart ETag: 40 MiB in 16 MiB parts
    expect(seen.at(-1)).toBe(hashes.size);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('wrong credentials: a clear error and no object', async () => {
    const hashes = await hashFile(FIXTURE);
    const bad = makeS3Client({ ...s3.env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    await expect(uploadImage({ client: bad, location: { bucket: 'public-images', prefix: 'denied' }, file: FIXTURE, ...hashes })).rejects.toThrow(/could not check s3:\/\/public-images\/denied\/sha256\/[0-9a-f]{64}\.sif: .*403/);
    await expect(client().send(new HeadObjectCommand({ Bucket: 'public-images', Key: imageKey({ bucket: 'public-images', prefix: 'denied' }, hashes.sha256) }))).rejects.toThrow();
  });
});

describe('presigned links', () => {
  let key: string;
  let bytes: Buffer;
  beforeAll(async () => {
    const hashes = await hashFile(FIXTURE);
    bytes = await readFile(FIXTURE);
    ({ key } = await uploadImage({ client: client(), location: { bucket: 'private-images', prefix: 'lab' }, file: FIXTURE, ...hashes }));
  });

  it('a private object: anonymous GET is refused, the presigned link serves the bytes', async () => {
    expect((await fetchWithCert(`${s3.endpoint}/private-images/${key}`, s3.certFile)).status).toBe(403);
    const url = await presignGet(client(), { bucket: 'private-images', key }, 600);
    const response = await fetchWithCert(url, s3.certFile);
    expect(response.status).toBe(200);
    expect(response.body.equals(bytes)).toBe(true);
  });

  it('is refused after it expires', async () => {
    const url = await presignGet(client(), { bucket: 'private-images', key }, 1);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const response = await fetchWithCert(url, s3.certFile);
    expect(response.status).toBe(403);
    expect(response.body.toString()).toMatch(/AccessDenied|RequestTimeTooSkewed|expired/i);
  });

  it('is refused when any part of it is changed', async () => {
    const url = new URL(await presignGet(client(), { bucket: 'private-images', key }, 600));
    const signature = url.searchParams.get('X-Amz-Signature')!;
    const tampered = [
      (() => { const u = new URL(url); u.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`); return u; })(),
      (() => { const u = new URL(url); u.searchParams.set('X-Amz-Expires', '604800'); return u; })(),
      (() => { const u = new URL(url); u.pathname = u.pathname.replace(/\.sif$/, '.sig'); return u; })(),
    ];
    for (const u of tampered) expect((await fetchWithCert(u.toString(), s3.certFile)).status, u.toString()).toBe(403);
  });

  it('lasts at most 7 days', async () => {
    await expect(presignGet(client(), { bucket: 'private-images', key }, 8 * 86400)).rejects.toThrow(/at most 7 days/);
  });

  it('`sifhub share` signs a link for an image in the registry bucket, and explains when an image is elsewhere', async () => {
    const repo = await TempRepo.create();
    try {
      const hashes = await hashFile(FIXTURE);
      const record = (url: string) => `---\nurl: ${url}\nsha256: ${hashes.sha256}\nmd5: ${hashes.md5}\nsize: ${hashes.size}\n---\n`;
      await repo.write({
        'registry/registry.yml': `name: Private lab\nurl: https://registry.example.org\nstorage:\n  s3: s3://private-images/lab\n  publicUrl: ${s3.httpsEndpoint}/private-images\n`,
        'registry/lab/tool/1.0.md': record(publicUrlOf(`${s3.httpsEndpoint}/private-images`, key)),
        'registry/lab/tool/0.9.md': record('https://downloads.example.org/tool-0.9.sif'),
      });
      const shared = await runSifhub(['share', 'lab/tool:1.0', '--expires', '1h'], repo.dir, s3.env);
      expect(shared.stderr).toMatch(new RegExp(`✔ s3://private-images/${key}, valid until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ:`));
      expect(shared.code).toBe(0);
      const link = shared.stdout.trim();
      expect(link).toMatch(/X-Amz-Expires=3600/);
      expect((await fetchWithCert(link, s3.certFile)).body.equals(bytes)).toBe(true);

      const elsewhere = await runSifhub(['share', 'lab/tool:0.9'], repo.dir, s3.env);
      expect(elsewhere.code).toBe(3);
      expect(elsewhere.stderr).toContain(`lab/tool:0.9 is stored at https://downloads.example.org/tool-0.9.sif, not in the registry's bucket (${s3.httpsEndpoint}/private-images): share works only for images in s3://private-images/lab`);
      const tooLong = await runSifhub(['share', 'lab/tool:1.0', '--expires', '8d'], repo.dir, s3.env);
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain('--expires is at most 7d (presigned S3 links cannot last longer), received "8d"');
    } finally {
      await repo.dispose();
    }
  });
});
