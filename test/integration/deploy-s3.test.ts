import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionAt, publishS3Workflow } from '../../src/commands/init/templates.ts';
import { deploySite } from '../../src/deploy/deploy-s3.ts';
import { makeS3Client } from '../../src/storage/s3.ts';
import { runSifhub } from '../helpers/cli.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { parseWorkflow, runJob } from '../helpers/run-workflow.ts';
import { createBucket, startS3Server, type S3Server } from '../helpers/s3-server.ts';
import { manifestRequestPath, request } from '../helpers/shub-client.ts';

// `sifhub deploy` against a real S3 server (Ceph radosgw): the whole site the first time, then
// only what a change touched, in order (assets, pages and API, manifests, removals last), and
// the bucket then answers the shub client's requests as the site would.

let s3: S3Server;
let repo: TempRepo;
const BUCKET = 'site';
const HOST = `cdn.example.org/${BUCKET}/reg`;
const client = () => makeS3Client(s3.env);

async function bucketFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client().send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    for (const o of page.Contents ?? []) files.set(o.Key!, o.ETag!.replaceAll('"', ''));
    token = page.NextContinuationToken;
  } while (token);
  return files;
}

async function siteFiles(prefix: string): Promise<Map<string, string>> {
  const dist = await realpath(path.join(repo.dir, 'dist'));
  const files = new Map<string, string>();
  for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(dist, path.join(entry.parentPath, entry.name));
    files.set(`${prefix}/${rel}`, createHash('md5').update(await readFile(path.join(dist, rel))).digest('hex'));
  }
  return files;
}

beforeAll(async () => {
  s3 = await startS3Server();
  await createBucket(s3, BUCKET, true, { list: true });
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Deployed registry\nurl: https://registry.example.org/reg\n',
    'registry/lab/tool/1.0.md': tagRecord(image(1)),
    'registry/lab/tool/2.0.md': tagRecord(image(2)),
    'registry/other/viewer/1.0.md': tagRecord(image(3)),
  });
  await repo.commit('add', '2024-01-01T00:00:00Z');
  expect((await runSifhub(['build', '--quiet'], repo.dir)).code).toBe(0);
  // An image kept in the same bucket, beside the site: no deploy may touch it.
  await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reg/sha256/abc.sif', Body: 'image bytes' }));
}, 300_000);

afterAll(async () => {
  await s3?.stop();
  await repo?.dispose();
});

describe('sifhub deploy', () => {
  it('sends the whole site the first time, each file with its type, and the bucket answers the shub client', async () => {
    const result = await runSifhub(['deploy', `s3://${BUCKET}/reg`], repo.dir, s3.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const site = await siteFiles('reg');
    expect(result.stdout).toMatch(new RegExp(`^✔ Deployed dist/ to s3://site/reg: sent \\d+ assets, \\d+ pages and API, \\d+ manifests \\(.+\\), removed 0 files; 0 files unchanged\\n$`));
    const bucket = await bucketFiles();
    for (const [key, md5] of site) expect(bucket.get(key), key).toBe(md5);
    expect([...bucket.keys()].filter((k) => !site.has(k)).sort()).toEqual(['reg/.sifhub/deployed.json', 'reg/sha256/abc.sif']);

    const head = (key: string) => client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await head('reg/api/container/lab/tool:1.0')).toMatchObject({ ContentType: 'application/json; charset=utf-8', CacheControl: 'public, max-age=600' });
    expect(await head('reg/collections/lab/tool/1.0/index.html')).toMatchObject({ ContentType: 'text/html; charset=utf-8' });
    const asset = [...site.keys()].find((k) => k.startsWith('reg/_astro/') && k.endsWith('.css'))!;
    expect(await head(asset)).toMatchObject({ ContentType: 'text/css; charset=utf-8', CacheControl: 'public, max-age=31536000, immutable' });

    // The clients' requests, against the bucket's own address (path-style: /BUCKET/PREFIX/…; a
    // CDN's host name stands for it in the reference, as the client refuses a port).
    for (const ref of [`shub://${HOST}/lab/tool:1.0`, `shub://${HOST}/lab/tool:2.0@${image(2).md5}`, `shub://${HOST}/lab/tool@${image(1).md5}`]) {
      const response = await request('GET', s3.endpoint, manifestRequestPath(ref));
      expect(response.status, ref).toBe(200);
      expect(JSON.parse(response.body.toString())).toMatchObject({ image: expect.stringMatching(/^https:/) });
    }
    // A missing manifest is a 404 (sregistry-cli starts signing in on a 403).
    expect((await request('GET', s3.endpoint, manifestRequestPath(`shub://${HOST}/lab/tool:9.9`))).status).toBe(404);
  });

  it('after a change sends only what changed, manifests after pages, and removes what the site dropped last', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(4)) });
    await repo.remove('registry/lab/tool/2.0.md');
    await repo.commit('move 1.0, remove 2.0', '2024-02-01T00:00:00Z');
    expect((await runSifhub(['build', '--quiet'], repo.dir)).code).toBe(0);

    const dry = await runSifhub(['deploy', `s3://${BUCKET}/reg`, '--dry-run'], repo.dir, s3.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Would send \d+ assets, \d+ pages and API, \d+ manifests \(.+\), remove \d+ files?; \d+ files unchanged\. Nothing was changed\.\n/);
    expect(dry.stdout).toContain('  remove  reg/collections/lab/tool/2.0/index.html\n');
    expect((await bucketFiles()).has('reg/collections/lab/tool/2.0/index.html')).toBe(true);

    const steps: { kind: 'upload' | 'delete'; key: string }[] = [];
    const report = await deploySite({ client: client(), location: { bucket: BUCKET, prefix: 'reg' }, dir: path.join(repo.dir, 'dist'), onStep: (s) => steps.push(s) });
    const site = await siteFiles('reg');
    const uploads = steps.filter((s) => s.kind === 'upload').map((s) => s.key);
    expect(uploads).toContain(`reg/api/container/lab/tool:1.0@${image(4).md5}`);
    expect(uploads).toContain('reg/collections/lab/tool/1.0/index.html');
    // The other collection's pages and manifests were not sent again.
    expect(uploads.filter((k) => k.startsWith('reg/collections/other/') || k.startsWith('reg/api/container/other/'))).toEqual([]);
    expect(report.plan.unchanged).toBeGreaterThan(uploads.length);
    const last = (test: (key: string) => boolean) => Math.max(...uploads.flatMap((key, i) => (test(key) ? [i] : [])));
    const first = (test: (key: string) => boolean) => Math.min(...uploads.flatMap((key, i) => (test(key) ? [i] : [])));
    expect(last((k) => k.endsWith('.html'))).toBeLessThan(first((k) => k.startsWith('reg/api/container/')));
    expect(steps.filter((s) => s.kind === 'delete').map((s) => s.key)).toContain('reg/collections/lab/tool/2.0/index.html');
    expect(steps.findIndex((s) => s.kind === 'delete')).toBe(uploads.length);

    // The bucket is the site, the image beside it untouched; the old pin of 2.0 still pulls.
    const bucket = await bucketFiles();
    expect(new Map([...bucket].filter(([k]) => !k.startsWith('reg/.sifhub/') && k !== 'reg/sha256/abc.sif'))).toEqual(site);
    expect(bucket.has('reg/sha256/abc.sif')).toBe(true);
    expect((await request('GET', s3.endpoint, manifestRequestPath(`shub://${HOST}/lab/tool:2.0@${image(2).md5}`))).status).toBe(200);

    // Run again, nothing left to do.
    const again = await runSifhub(['deploy', `s3://${BUCKET}/reg`], repo.dir, s3.env);
    expect(again.stdout).toMatch(/sent nothing \(0 B\), removed 0 files; \d+ files unchanged/);
  });

  it('stopped halfway, leaves the old manifests serving and says to run it again, which finishes the job', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(5)) });
    await repo.commit('move 1.0 again', '2024-03-01T00:00:00Z');
    expect((await runSifhub(['build', '--quiet'], repo.dir)).code).toBe(0);
    // The store refuses every manifest (a bucket policy's explicit deny): the third wave fails.
    const admin = client();
    const deny = { Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${BUCKET}/reg/api/container/*`] };
    const allow = [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${BUCKET}/*`] }, { Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`] }];
    await admin.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [...allow, deny] }) }));
    const stopped = await runSifhub(['deploy', `s3://${BUCKET}/reg`], repo.dir, s3.env);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/uploading api\/container\/lab\/tool\S* to s3:\/\/site\/reg \(manifests\) failed; the site still serves every file not yet replaced; run the same command again: it sends only what is still missing: AccessDenied \(HTTP 403\)/);
    // The tag still resolves to the image it had: its manifest was never replaced, and nothing was removed.
    const tag = await request('GET', s3.endpoint, manifestRequestPath(`shub://${HOST}/lab/tool:1.0`));
    expect(JSON.parse(tag.body.toString())).toMatchObject({ version: image(4).md5 });

    await admin.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: allow }) }));
    const steps: { kind: 'upload' | 'delete'; key: string }[] = [];
    await deploySite({ client: client(), location: { bucket: BUCKET, prefix: 'reg' }, dir: path.join(repo.dir, 'dist'), onStep: (s) => steps.push(s) });
    // Only what the stopped run could not send: the manifests.
    expect(steps.filter((s) => s.kind === 'upload').every((s) => s.key.startsWith('reg/api/container/'))).toBe(true);
    const moved = await request('GET', s3.endpoint, manifestRequestPath(`shub://${HOST}/lab/tool:1.0`));
    expect(JSON.parse(moved.body.toString())).toMatchObject({ version: image(5).md5 });
    const bucket = await bucketFiles();
    expect(new Map([...bucket].filter(([k]) => !k.startsWith('reg/.sifhub/') && k !== 'reg/sha256/abc.sif'))).toEqual(await siteFiles('reg'));
  });

  it('says what to do about a bucket it cannot reach, and about a folder with no site', async () => {
    const missing = await runSifhub(['deploy', 's3://no-such-bucket/reg'], repo.dir, s3.env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/could not list s3:\/\/no-such-bucket\/reg: NoSuchBucket \(HTTP 404\).*the bucket does not exist/);
    const empty = await runSifhub(['deploy', `s3://${BUCKET}/reg`, '--dir', 'registry'], repo.dir, s3.env);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain('registry/ holds no built site; run `sifhub build` first');
    const bad = await runSifhub(['deploy', 'https://bucket/reg'], repo.dir, s3.env);
    expect(bad.code).toBe(2);
  });

  it('runs from the publish workflow init writes: build, the OIDC role\'s keys, deploy', async () => {
    await createBucket(s3, 'published', true, { list: true });
    const workspace = await mkdtemp(path.join(tmpdir(), 'sifhub-s3-workspace-'));
    try {
      await repo.git('clone', '-q', repo.dir, workspace);
      const role = 'arn:aws:iam::123456789012:role/registry-publish';
      const workflow = parseWorkflow(publishS3Workflow(actionAt('0.1.0'), { target: 's3://published/reg', role, region: 'us-east-1', endpoint: s3.endpoint, siteUrl: 'https://registry.example.org/reg' }));
      const assumed: string[] = [];
      // Keys exist only once the role is assumed: the runner's own environment has none.
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = s3.env;
      const run = await runJob(workflow.jobs.deploy!, workspace, { 'github.token': '' }, {}, {
        assumeRole: (name) => {
          assumed.push(name);
          return { AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: AWS_SECRET_ACCESS_KEY! };
        },
      });
      expect(run.code, run.output).toBe(0);
      expect(assumed).toEqual([role]);
      expect(run.output).toMatch(/✔ Deployed dist\/ to s3:\/\/published\/reg: sent \d+ assets, \d+ pages and API, \d+ manifests/);
      const response = await request('GET', s3.endpoint, manifestRequestPath('shub://cdn.example.org/published/reg/lab/tool:1.0'));
      expect(JSON.parse(response.body.toString())).toMatchObject({ version: image(5).md5 });
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });
});

