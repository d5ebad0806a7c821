import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { imageKey } from '../../src/storage/s3-url.ts';
import { makeS3Client, uploadImage } from '../../src/storage/s3.ts';
import { hashFile } from '../../src/sif/hash-file-fs.ts';
import { runSifhub } from '../helpers/cli.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { createBucket, fetchWithCert, startS3Server, type S3Server } from '../helpers/s3-server.ts';

// `sifhub submit` end to end: a real SIF, a real S3 server, a real bare git repository as the
// remote, GitHub's API faked from its real answers, then `sifhub build` on the pushed branch
// and a download of the manifest's image URL.

const fixture = (name: string) => new URL(`../fixtures/sif/${name}`, import.meta.url).pathname;
const ALPINE = fixture('singularity-3.2.1_alpine_labels-apps.sif');
const ZSTD = fixture('synthetic_apptainer-style_zstd.sif');
const sha256Of = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

let s3: S3Server;
let github: FakeGitHub;
let repo: TempRepo;
let remote: string;
let publicBase: string;

beforeAll(async () => {
  s3 = await startS3Server();
  await createBucket(s3, 'images', true);
  publicBase = `${s3.httpsEndpoint}/images`;
}, 240_000);

afterAll(async () => {
  await s3?.stop();
});

beforeEach(async () => {
  github = await startFakeGitHub({ repos: { 'lab/registry': 'main' }, login: 'ada' });
  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: Lab registry\nurl: https://registry.example.org\nrepository: https://github.com/lab/registry\n' });
  await repo.commit('Start the registry', '2024-01-01T10:00:00Z');
  await repo.git('config', 'user.name', 'Ada Lovelace');
  await repo.git('config', 'user.email', 'ada@example.org');
  remote = await mkdtemp(path.join(tmpdir(), 'sifhub-remote-'));
  await repo.git('init', '-q', '--bare', remote);
  await repo.git('remote', 'add', 'origin', remote);
  await repo.git('push', '-q', 'origin', 'main');
});

afterEach(async () => {
  await github.close();
  await repo.dispose();
  await rm(remote, { recursive: true, force: true });
});

const env = () => ({ ...s3.env, GITHUB_API_URL: github.apiUrl, GITHUB_TOKEN: 'ghp_test', NODE_EXTRA_CA_CERTS: s3.certFile, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
const submit = (...args: string[]) => runSifhub(['submit', ...args], repo.dir, env());
const branches = async (where = repo.dir) => (await repo.git('--git-dir', where === repo.dir ? path.join(repo.dir, '.git') : where, 'branch', '--list', '--format=%(refname:short)')).split('\n').filter(Boolean);

describe('sifhub submit --upload s3', () => {
  it('uploads, commits the record on a branch, pushes, opens the pull request; the built manifest downloads the same bytes', async () => {
    const result = await submit(ALPINE, 'lab/alpine:3.9', '--upload', 's3://images/sif', '--public-url', publicBase,
      '--summary', 'Alpine with hello and world apps', '--description', 'Built for the **e2e** tests.', '--topics', 'testing, alpine', '--license', 'MIT');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const sha256 = await sha256Of(ALPINE);
    const branch = `sifhub/lab/alpine/3.9-${sha256.slice(0, 8)}`;
    expect(result.stdout).toContain(`✔ Uploaded to s3://images/sif/sha256/${sha256}.sif`);
    expect(result.stdout).toContain(`✔ Committed registry/lab/alpine/3.9.md, registry/lab/README.md, registry/lab/alpine/README.md on branch ${branch} (your checkout is unchanged)`);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('https://github.com/lab/registry/pull/41');

    // The person's checkout is untouched; the branch is on the remote.
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(await branches(remote)).toEqual(['main', branch]);

    // The pull request, as GitHub received it.
    expect(github.writes.pulls).toEqual([expect.objectContaining({ repo: 'lab/registry', title: 'Add lab/alpine:3.9', head: branch, base: 'main' })]);
    const body = github.writes.pulls[0]!.body;
    expect(body).toContain(`| sha256 | \`${sha256}\` |`);
    expect(body).toContain('| Architecture | amd64 |');
    expect(body).toContain('| Bootstrap | library from `alpine:latest` |');
    expect(body).toContain('| OS | alpine 3.9.2 |');
    expect(body).toContain('| Apps | hello, world |');

    // A new collection lists the token's user as its owner, so the PR passes the ownership rule.
    const collection = await repo.git('show', `${branch}:registry/lab/README.md`);
    expect(collection).toBe('---\nowners:\n  - ada\n---\n'); // no placeholder text
    // The new container's README says what the submitter said.
    expect(await repo.git('show', `${branch}:registry/lab/alpine/README.md`)).toBe('---\nsummary: Alpine with hello and world apps\ntopics:\n  - testing\n  - alpine\nlicense: MIT\n---\n\nBuilt for the **e2e** tests.\n');

    // The record carries the image's own metadata, and the whole registry validates and builds.
    await repo.git('checkout', '-q', branch);
    const record = await readFile(path.join(repo.registry, 'lab/alpine/3.9.md'), 'utf8');
    expect(record).toMatch(new RegExp(`^---\\nurl: ${publicBase.replace(/[.:/]/g, '\\$&')}/sif/sha256/${sha256}\\.sif\\nsha256: ${sha256}\\nmd5: [0-9a-f]{32}\\nsize: 2719744\\narchitecture: amd64\\n`));
    expect(record).toContain('  HI: \'"HELLO WORLD"\'');
    expect(record).toContain('os:\n  id: alpine\n  versionId: 3.9.2');
    const validate = await runSifhub(['validate', '--base', 'main', '--author', 'ada'], repo.dir, { GIT_CONFIG_GLOBAL: '/dev/null' });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
    const build = await runSifhub(['build', '--out', 'dist', '--quiet'], repo.dir, { GIT_CONFIG_GLOBAL: '/dev/null' });
    expect(build.code, build.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(repo.dir, 'dist/api/container/lab/alpine:3.9'), 'utf8')) as { image: string; commit: string };
    expect(manifest.commit).toBe(sha256);
    const download = await fetchWithCert(manifest.image, s3.certFile);
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(download.body).digest('hex')).toBe(sha256);
  });

  it('a frozen tag is never moved: refused before anything is uploaded', async () => {
    const sha256 = await sha256Of(ALPINE);
    await repo.write({ 'registry/lab/README.md': '---\nowners: [ada]\n---\n', 'registry/lab/alpine/3.9.md': `---\nurl: https://example.org/a.sif\nsha256: ${sha256}\nmd5: ${'f'.repeat(32)}\nsize: 2719744\nfrozen: true\n---\n` });
    await repo.commit('Freeze', '2024-01-02T10:00:00Z');
    const result = await submit(ZSTD, 'lab/alpine:3.9', '--upload', 's3://images/frozen', '--public-url', publicBase);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`✖ lab/alpine:3.9 is frozen at ${sha256.slice(0, 12)}… in main: a frozen tag never moves. Submit this image under a new tag.`);
    expect(result.stdout).toBe('');
    expect(await branches()).toEqual(['main']);
    await expect(makeS3Client(s3.env).send(new HeadObjectCommand({ Bucket: 'images', Key: `frozen/sha256/${await sha256Of(ZSTD)}.sif` }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('a failed push leaves no branch and says what to retry; the rerun reuses the upload', async () => {
    await repo.git('remote', 'set-url', 'origin', path.join(remote, 'missing.git'));
    const failed = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 's3://images/sif', '--public-url', publicBase);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/✖ git push failed: .*\nNothing is left behind: the branch was deleted \(an uploaded image stays, and is reused\)\. Fix access to origin, then run the same command again\./s);
    expect(await branches()).toEqual(['main']);
    expect(github.writes.pulls).toEqual([]);

    await repo.git('remote', 'set-url', 'origin', remote);
    const retried = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 's3://images/sif', '--public-url', publicBase);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/✔ s3:\/\/images\/sif\/sha256\/[0-9a-f]{64}\.sif already holds this image; not uploaded again/);
    expect(github.writes.pulls).toHaveLength(1);
  });

  it('a bucket that refuses the credentials or does not exist: refused before the file is read, nothing committed', async () => {
    const result = await runSifhub(['submit', ZSTD, 'lab/zstd:1.0', '--upload', 's3://images/sif', '--public-url', publicBase], repo.dir, { ...env(), AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/✖ could not reach s3:\/\/images: .*HTTP 403/);
    expect(result.stderr).toContain('(check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and that they may write to this bucket)');
    expect(result.stdout).not.toContain('Hashed');
    const missing = await runSifhub(['submit', ZSTD, 'lab/zstd:1.0', '--upload', 's3://no-such-bucket/sif', '--public-url', publicBase], repo.dir, env());
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('✖ could not reach s3://no-such-bucket: ');
    expect(missing.stderr).toContain('(the bucket does not exist: create it, or fix the s3:// address)');
    expect(missing.stdout).not.toContain('Hashed');
    expect(await branches()).toEqual(['main']);
    expect(await branches(remote)).toEqual(['main']);
    expect(github.writes.pulls).toEqual([]);
  });

  it('trusts no metadata in the bucket: an object of the right size under the image\'s key that is other bytes is refused, not recorded', async () => {
    const hashes = await hashFile(ZSTD);
    // A same-size object claiming to be the image, and one claiming nothing: neither is the image.
    const key = imageKey({ bucket: 'images', prefix: 'junk' }, hashes.sha256);
    for (const metadata of [{ sha256: hashes.sha256, md5: hashes.md5 }, undefined]) {
      await makeS3Client(s3.env).send(new PutObjectCommand({ Bucket: 'images', Key: key, Body: Buffer.alloc(hashes.size, 7), ...(metadata ? { Metadata: metadata } : {}) }));
      const result = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 's3://images/junk', '--public-url', publicBase);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`s3://images/${key} already holds ${hashes.size} bytes that are not this image; refusing to overwrite`);
      expect(await branches()).toEqual(['main']);
    }
  });

  it('--no-push stops after the commit; --no-pr after the push', async () => {
    const local = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 's3://images/sif', '--public-url', publicBase, '--no-push');
    expect(local.code, local.stderr).toBe(0);
    const branch = (await branches()).find((b) => b.startsWith('sifhub/'))!;
    expect(local.stdout).toContain(`Not pushed (--no-push). To continue: git push origin ${branch}`);
    expect(await branches(remote)).toEqual(['main']);

    // Without a token nobody is known to own the new collection: stopped before anything moves.
    const ownerless = await runSifhub(['submit', ZSTD, 'lab/zstd:1.1', '--upload', 's3://images/sif', '--public-url', publicBase, '--no-pr'], repo.dir, { ...env(), GITHUB_TOKEN: '' });
    expect(ownerless.code).toBe(3);
    expect(ownerless.stderr).toContain('✖ lab is a new collection, and its registry/lab/README.md must name who may change it: pass --owner YOUR-GITHUB-LOGIN (or set GITHUB_TOKEN, whose user becomes its owner).');
    expect(ownerless.stderr).toContain('Nothing was uploaded or committed.');
    expect(ownerless.stdout).not.toContain('Hashed');
    expect((await branches()).filter((b) => b.startsWith('sifhub/lab/zstd/1.1-'))).toEqual([]);
    const pushed = await runSifhub(['submit', ZSTD, 'lab/zstd:1.1', '--upload', 's3://images/sif', '--public-url', publicBase, '--no-pr', '--owner', 'ada'], repo.dir, { ...env(), GITHUB_TOKEN: '' });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await branches(remote)).filter((b) => b.startsWith('sifhub/lab/zstd/1.1-'))).toHaveLength(1);
    expect(github.writes.pulls).toEqual([]);
    expect(await repo.git('show', `${(await branches(remote)).find((b) => b.startsWith('sifhub/lab/zstd/1.1-'))}:registry/lab/README.md`)).toBe('---\nowners:\n  - ada\n---\n');
  });
});

describe('sifhub submit: what is refused before anything happens', () => {
  it('an invalid name, with a valid one suggested', async () => {
    const result = await submit(ZSTD, 'My_Lab/Tool:1.0', '--url', 'https://example.org/a.sif');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sifhub: collection: expected a collection name of 1–39 characters of a-z, 0-9 and - (the shub client\'s rule), received "My_Lab"; try "my-lab"');
    expect(result.stderr).toContain('container: expected a container name of 1–64 characters of a-z, 0-9, ., _ and -, not starting with . (the shub client\'s rule), received "Tool"; try "tool"');
  });

  it('a summary, topics or description the container README would refuse', async () => {
    const result = await submit(ZSTD, 'lab/zstd:1.0', '--url', 'https://example.org/a.sif', '--topics', 'Genomics,ok', '--description', `${'> '.repeat(9)}deep`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--topics: ');
    expect(result.stderr).toContain('--description: the Markdown after the frontmatter (description) nests block quotes 9 deep; at most 8');
  });

  it('--upload s3 while the storage section of registry.yml is not committed yet, saying so', async () => {
    await repo.write({ 'registry/registry.yml': `name: Lab registry\nurl: https://registry.example.org\nrepository: https://github.com/lab/registry\nstorage:\n  s3: s3://images/sif\n  publicUrl: ${publicBase}\n` });
    const result = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 's3');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('✖ registry/registry.yml in your working tree has storage:, but it is not committed, and submit reads the committed file (it commits on a branch from it): commit registry/registry.yml first');
    expect(result.stdout).not.toContain('Hashed');
  });

  it('a file that is not a SIF', async () => {
    const result = await submit(path.join(repo.registry, 'registry.yml'), 'lab/tool:1.0', '--upload', 's3://images/sif', '--public-url', publicBase);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('registry.yml: not a SIF file: ');
    expect(await branches()).toEqual(['main']);
  });

  it('--url that serves another size: refused before hashing, nothing is written', async () => {
    // The alpine image is 2,719,744 bytes; the zstd image is 40,960.
    const { key } = await uploadImage({ client: makeS3Client(s3.env), location: { bucket: 'images', prefix: 'other' }, file: ALPINE, ...(await hashFile(ALPINE)) });
    const elsewhere = `${publicBase}/${key}`;
    const head = await fetchWithCert(elsewhere, s3.certFile, 'HEAD');
    expect(head.status).toBe(200);
    const result = await submit(ZSTD, 'lab/zstd:2.0', '--url', elsewhere);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`✖ ${elsewhere} serves 2719744 bytes, but ${ZSTD} is ${(await stat(ZSTD)).size}: not the same image; nothing was written`);
    expect(result.stdout).not.toContain('Hashed'); // refused before the file was read
    expect(await branches()).toEqual(['main']);
  });

  it('opening a pull request without a token', async () => {
    const result = await runSifhub(['submit', ZSTD, 'lab/zstd:1.0', '--url', 'https://example.org/a.sif'], repo.dir, { ...env(), GITHUB_TOKEN: '' });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('opening the pull request needs a GitHub token in GITHUB_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token)); or pass --no-pr to stop after the push');
  });
});

describe('sifhub submit --upload github-release', () => {
  it('uploads to the collection\'s release from a fork and opens the pull request upstream', async () => {
    // The person's remote is their fork on GitHub; pushes go to the bare repository instead.
    await repo.git('remote', 'set-url', 'origin', 'https://github.com/ada/registry.git');
    await repo.git('config', `url.${remote}.pushInsteadOf`, 'https://github.com/ada/registry.git');
    const result = await submit(ZSTD, 'lab/zstd:1.0', '--upload', 'github-release', '--owner', 'ada');
    expect(result.code, result.stderr).toBe(0);
    const sha256 = await sha256Of(ZSTD);
    expect(github.writes.uploads).toEqual([{ repo: 'lab/registry', tag: 'sif-lab', name: `zstd-${sha256.slice(0, 16)}.sif`, size: 40960, sha256 }]);
    expect(result.stderr).toContain("! GitHub release URLs redirect to GitHub's asset host: Apptainer and Singularity follow the redirect, sregistry-cli does not");
    const branch = `sifhub/lab/zstd/1.0-${sha256.slice(0, 8)}`;
    expect(github.writes.pulls).toEqual([expect.objectContaining({ repo: 'lab/registry', head: `ada:${branch}`, base: 'main' })]);
    const record = await repo.git('show', `${branch}:registry/lab/zstd/1.0.md`);
    expect(record).toContain(`url: https://github.com/lab/registry/releases/download/sif-lab/zstd-${sha256.slice(0, 16)}.sif\n`);
    expect(await branches(remote)).toContain(branch);
  });
});
