import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { TempRepo, tagRecord, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { libraryPull, parsePullCommand, remoteEndpoint, type Generation } from '../helpers/library-client.ts';
import { startNetlifyHost, startNginx, type Host } from '../helpers/library-hosts.ts';
import { createBucket, startS3Server, websiteHost, type S3Server } from '../helpers/s3-server.ts';

// library:// end to end: records in git → `sifhub build` with each `library:` form → the site
// served by a host that redirects (nginx with the README's configuration, Netlify's redirector,
// radosgw's S3 website endpoint after `sifhub deploy`) → the requests both client generations
// make (test/helpers/library-client.ts) → the image from an https server that honours Range.

const FIXTURES = fileURLToPath(new URL('../fixtures/sif/', import.meta.url));
const GENERATIONS: Generation[] = ['current', 'legacy'];

let images: ImageServer;
let repo: TempRepo;
const img: Record<string, Image & { bytes: Buffer }> = {};

function describeImage(bytes: Buffer, url: string): Image & { bytes: Buffer } {
  return { url, bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('hex') };
}

/** Builds the repository's registry with `registry.yml` set to `config`, into `out`. */
async function build(config: string, out: string): Promise<string> {
  await repo.write({ 'registry/registry.yml': config });
  const built = await runSifhub(['build', '--registry', 'registry', '--out', out, '--quiet'], repo.dir);
  expect(withoutPlaceholderWarning(built.stderr)).toBe('');
  expect(built.code).toBe(0);
  return path.join(repo.dir, out);
}

beforeAll(async () => {
  // Over two 5 MiB parts, so the 303 path's Range download really comes in parts.
  const big = randomBytes(11 * 1024 * 1024 + 123);
  const busybox = await readFile(path.join(FIXTURES, 'sce-3.8.1_busybox_amd64_signed.sif'));
  const alpine = await readFile(path.join(FIXTURES, 'singularity-3.2.1_alpine_labels-apps.sif'));
  images = await startImageServer({ '/big.sif': big, '/busybox.sif': busybox, '/alpine.sif': alpine });
  img.big = describeImage(big, `${images.base}/big.sif`);
  img.busybox = describeImage(busybox, `${images.base}/busybox.sif`);
  img.alpine = describeImage(alpine, `${images.base}/alpine.sif`);

  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: Library test\nurl: https://registry.example.org\n', 'registry/lab/tool/1.0.md': tagRecord(img.big!) });
  await repo.commit('add', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(img.busybox!), 'registry/lab/tool/old.md': tagRecord(img.alpine!, 'yanked: Built against the wrong reference genome.\n') });
  await repo.commit('move 1.0, add a yanked tag', '2024-02-01T00:00:00Z');
}, 60_000);

afterAll(async () => {
  await images?.close();
  await repo?.dispose();
});

describe.each([
  { form: 'nginx', url: 'https://lab.example.org/registry', prefix: '/registry', start: (dir: string) => startNginx(dir, '/registry') },
  { form: 'netlify', url: 'https://registry.example.org', prefix: '', start: (dir: string) => startNetlifyHost(dir) },
])('library: $form', ({ form, url, prefix, start }) => {
  let host: Host;
  let base: string;

  beforeAll(async () => {
    const dir = await build(`name: Library test\nurl: ${url}\nlibrary: ${form}\n`, `dist-${form}`);
    host = await start(dir);
    base = `${host.url}${prefix}`;
  }, 120_000);
  afterAll(async () => host?.close());

  it.each(GENERATIONS)('the %s client pulls a tag, its default-collection name, latest and an old pin, each checked by sha256', async (generation) => {
    const cases = [
      ['lab/tool', '1.0', img.busybox!],
      ['lab/default/tool', '1.0', img.busybox!],
      ['lab/tool', 'latest', img.busybox!],
      ['lab/default/tool', `sha256.${img.big!.sha256}`, img.big!],
    ] as const;
    for (const [name, ref, expected] of cases) {
      const pulled = await libraryPull(base, name, ref, { generation, ca: images.ca });
      expect(pulled.bytes.equals(expected.bytes), `${name}:${ref}`).toBe(true);
    }
  });

  it('answers the current client as Apptainer expects: no OCI registry, the API version, a 303, then Range parts', async () => {
    const { requests } = await libraryPull(base, 'lab/tool', `sha256.${img.big!.sha256}`, { generation: 'current', ca: images.ca });
    const site = (rest: string) => `GET ${base}/${rest}`;
    expect(requests.slice(0, 5)).toEqual([
      site(`v1/images/lab/tool:sha256.${img.big!.sha256}?arch=amd64`),
      site('v1/oci-redirect?namespace=lab%2Ftool&accessTypes=pull'),
      site('version'),
      site(`v1/imagefile/lab/tool:sha256.${img.big!.sha256}?arch=amd64`),
      site(`v1/images/lab/tool:sha256.${img.big!.sha256}?arch=amd64`),
    ]);
    expect(requests.slice(5).sort()).toEqual(['bytes=0-5242879', 'bytes=10485760-11534458', 'bytes=5242880-10485759'].map((r) => `GET ${img.big!.url} ${r}`));
  });

  it('lets a yanked image be pulled by its pin only', async () => {
    await expect(libraryPull(base, 'lab/tool', 'old', { generation: 'current', ca: images.ca })).rejects.toThrow('image does not exist in the library: lab/tool:old (amd64)');
    const pinned = await libraryPull(base, 'lab/tool', `sha256.${img.alpine!.sha256}`, { generation: 'legacy', ca: images.ca });
    expect(pinned.bytes.equals(img.alpine!.bytes)).toBe(true);
  });

  it('shows on each tag page the commands that pull it, by tag and by pin', async () => {
    const page = await readFile(path.join(repo.dir, `dist-${form}`, 'collections/lab/tool/1.0/index.html'), 'utf8');
    const commands = [...page.matchAll(/<code>(apptainer pull (?:--library \S+ )?library:\/\/[^<]+)<\/code>/g)].map((m) => m[1]!);
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      const parsed = parsePullCommand(command);
      // The public address, reached here at the local host.
      expect(parsed.library).toBe(url);
      for (const generation of GENERATIONS) {
        const pulled = await libraryPull(base, parsed.path, parsed.tag, { generation, ca: images.ca });
        expect(pulled.bytes.equals(img.busybox!.bytes), command).toBe(true);
      }
    }
    expect(commands[1]).toContain(`:sha256.${img.busybox!.sha256}`);
  });

  it('names itself as a library for `apptainer remote add`', async () => {
    expect(await remoteEndpoint(base)).toEqual({ library: url, keyserver: 'https://keys.openpgp.org' });
  });

  it('answers an unknown tag with 404, which the client reports', async () => {
    await expect(libraryPull(base, 'lab/tool', '9.9', { generation: 'legacy', ca: images.ca })).rejects.toThrow('image does not exist in the library: lab/tool:9.9 (amd64)');
  });
});

describe('library: s3-website, deployed to radosgw', () => {
  const BUCKET = 'site';
  let s3: S3Server;
  let website: string;
  const local = [websiteHost(BUCKET)];

  beforeAll(async () => {
    s3 = await startS3Server();
    await createBucket(s3, BUCKET, true, { list: true, website: true });
    await build('name: Library test\nurl: https://registry.example.org\nlibrary: s3-website\n', 'dist-s3');
    const deployed = await runSifhub(['deploy', `s3://${BUCKET}`, '--dir', 'dist-s3'], repo.dir, s3.env);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    website = `http://${websiteHost(BUCKET)}:${new URL(s3.endpoint).port}`;
  }, 240_000);
  afterAll(async () => s3?.stop());

  it('sends the current client on to the image by the website endpoint\'s 301', async () => {
    for (const [name, ref, expected] of [['lab/tool', '1.0', img.busybox!], ['lab/default/tool', `sha256.${img.big!.sha256}`, img.big!]] as const) {
      const pulled = await libraryPull(website, name, ref, { generation: 'current', ca: images.ca, local });
      expect(pulled.bytes.equals(expected.bytes), `${name}:${ref}`).toBe(true);
      expect(pulled.requests).toContain(`GET ${expected.url}`);
    }
  });

  it('is refused by the legacy client, which accepts only 200 or 303 (as the README says)', async () => {
    await expect(libraryPull(website, 'lab/tool', '1.0', { generation: 'legacy', ca: images.ca, local })).rejects.toThrow('unexpected HTTP status 301');
  });

  it('fails the sha256 check, never pulling a wrong image, through the REST endpoint that cannot redirect', async () => {
    await expect(libraryPull(`${s3.endpoint}/${BUCKET}`, 'lab/tool', '1.0', { generation: 'current', ca: images.ca })).rejects.toThrow(/cached file hash\(sha256\.[0-9a-f]{64}\) and expected hash\(sha256\.[0-9a-f]{64}\) does not match/);
  });
});
