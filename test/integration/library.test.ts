import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { describeImage, TempRepo, tagRecord, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { libraryPull, parsePullCommand, remoteEndpoint, type Generation } from '../helpers/library-client.ts';
import { nginxConfig, startCloudflareHost, startNetlifyHost, startNginx, type Host } from '../helpers/library-hosts.ts';
import { createBucket, startS3Server, websiteHost, type S3Server } from '../helpers/s3-server.ts';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';

// library:// end to end: records in git → `sifhub build` with each `library:` form → the site
// served by a host that redirects (nginx with the configuration `sifhub nginx-config` writes, Netlify's redirector,
// radosgw's S3 website endpoint after `sifhub deploy`) → the requests both client generations
// make (test/helpers/library-client.ts) → the image from an https server that honours Range.

const FIXTURES = fileURLToPath(new URL('../fixtures/sif/', import.meta.url));
const GENERATIONS: Generation[] = ['current', 'legacy'];

let images: ImageServer;
let repo: TempRepo;
const img: Record<string, Image & { bytes: Buffer }> = {};


/** Builds the repository's registry with `registry.yml` set to `config`, into `out`. */
async function build(config: string, out: string, env: Record<string, string> = {}): Promise<string> {
  await repo.write({ 'registry/registry.yml': config });
  const built = await runSifhub(['build', '--registry', 'registry', '--out', out, '--quiet'], repo.dir, env);
  // A host that cannot read the client's ?arch= hands lab/multi's own image to every machine: the build says so.
  const form = /library: (\S+)/.exec(config)?.[1];
  const warning = form === 's3-website' || form === 'site' ? `! lab/multi:1.0 holds several architectures, but library: ${form} cannot route on the architecture a client asks for` : undefined;
  if (warning) expect(built.stderr).toContain(warning);
  expect(withoutPlaceholderWarning(built.stderr).split('\n').filter((line) => !warning || !line.startsWith(warning)).join('\n')).toBe('');
  expect(built.code).toBe(0);
  return path.join(repo.dir, out);
}

beforeAll(async () => {
  const busybox = await readFile(path.join(FIXTURES, 'sce-3.8.1_busybox_amd64_signed.sif'));
  // Over two 5 MiB parts, so the 303 path's Range download really comes in parts; a SIF header
  // first, as verify (and so `library: site`) checks.
  const big = Buffer.concat([busybox.subarray(0, 4096), randomBytes(11 * 1024 * 1024 + 123)]);
  const alpine = await readFile(path.join(FIXTURES, 'singularity-3.2.1_alpine_labels-apps.sif'));
  const arm = await readFile(path.join(FIXTURES, 'sce-3.8.1_busybox_arm64_signed.sif'));
  images = await startImageServer({ '/big.sif': big, '/busybox.sif': busybox, '/alpine.sif': alpine, '/arm.sif': arm });
  img.arm = describeImage(arm, `${images.base}/arm.sif`);
  img.big = describeImage(big, `${images.base}/big.sif`);
  img.busybox = describeImage(busybox, `${images.base}/busybox.sif`);
  img.alpine = describeImage(alpine, `${images.base}/alpine.sif`);

  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: Library test\nurl: https://registry.example.org\n', 'registry/lab/tool/1.0.md': tagRecord(img.big!) });
  await repo.commit('add', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(img.busybox!), 'registry/lab/tool/old.md': tagRecord(img.alpine!, 'yanked: Built against the wrong reference genome.\n') });
  await repo.commit('move 1.0, add a yanked tag', '2024-02-01T00:00:00Z');
  // A tag of two architectures.
  const arm64 = `  - architecture: arm64\n    url: ${img.arm.url}\n    sha256: ${img.arm.sha256}\n    md5: ${img.arm.md5}\n    size: ${img.arm.size}\n`;
  await repo.write({ 'registry/lab/multi/1.0.md': tagRecord(img.busybox!, `architecture: amd64\nplatforms:\n${arm64}`) });
  await repo.commit('add a tag of two architectures', '2024-03-01T00:00:00Z');
}, 60_000);

afterAll(async () => {
  await images?.close();
  await repo?.dispose();
});

describe.each([
  { form: 'nginx', url: 'https://lab.example.org/registry', prefix: '/registry', start: async (dir: string) => startNginx(await nginxConfig(repo.dir, dir)) },
  { form: 'netlify', url: 'https://registry.example.org', prefix: '', start: (dir: string) => startNetlifyHost(dir) },
  { form: 'cloudflare', url: 'https://registry.example.org', prefix: '', start: (dir: string) => startCloudflareHost(dir) },
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
    const part = 5 * 1024 * 1024;
    expect(requests.slice(5).sort()).toEqual([`bytes=0-${part - 1}`, `bytes=${2 * part}-${img.big!.size - 1}`, `bytes=${part}-${2 * part - 1}`].map((r) => `GET ${img.big!.url} ${r}`));
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
    // The version history names the image the tag held before, by its pin.
    const older = new RegExp(`<code class="hash">(library://[^<]*:sha256\\.${img.big!.sha256})</code>`).exec(page)?.[1];
    expect(older).toBeDefined();
    const parsed = parsePullCommand(`apptainer pull ${older}`);
    const pulled = await libraryPull(base, parsed.path, parsed.tag, { generation: 'legacy', ca: images.ca });
    expect(pulled.bytes.equals(img.big!.bytes)).toBe(true);
  });

  it('passes `sifhub check-deployment`, which asks for the library:// paths too', async () => {
    const checked = await runSifhub(['check-deployment', '--url', base], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain(`${base}/v1/imagefile/lab/tool:1.0`);
    expect(checked.stdout).toContain(`${base}/v1/images/lab/tool:1.0`);
  });

  it('names itself as a library for `apptainer remote add`', async () => {
    expect(await remoteEndpoint(base)).toEqual({ library: url, keyserver: 'https://keys.openpgp.org' });
  });

  it('hands each client its own architecture\'s image of a tag that holds several, and refuses one it does not hold', async () => {
    for (const [arch, expected] of [['amd64', img.busybox!], ['arm64', img.arm!]] as const) {
      for (const generation of GENERATIONS) {
        const pulled = await libraryPull(base, 'lab/multi', '1.0', { generation, ca: images.ca, arch });
        expect(pulled.bytes.equals(expected.bytes), `${arch} ${generation}`).toBe(true);
      }
    }
    await expect(libraryPull(base, 'lab/multi', '1.0', { generation: 'current', ca: images.ca, arch: 'ppc64le' })).rejects.toThrow('image does not exist in the library: lab/multi:1.0 (ppc64le)');
  });

  it('answers an unknown tag with 404, which the client reports', async () => {
    await expect(libraryPull(base, 'lab/tool', '9.9', { generation: 'legacy', ca: images.ca })).rejects.toThrow('image does not exist in the library: lab/tool:9.9 (amd64)');
  });
});

describe('Cloudflare Pages given the netlify form\'s _redirects', () => {
  it('reads `:latest` as a placeholder and sends another tag to latest\'s image: why library: cloudflare is a worker', async () => {
    const host = await startCloudflareHost(await build('name: Library test\nurl: https://registry.example.org\nlibrary: netlify\n', 'dist-netlify-on-cloudflare'));
    try {
      const pulled = libraryPull(host.url, 'lab/tool', `sha256.${img.big!.sha256}`, { generation: 'current', ca: images.ca });
      // The pin's rule follows latest's, whose placeholder matches it first: the busybox image, refused by its hash.
      await expect(pulled).rejects.toThrow(`expected hash(sha256.${img.big!.sha256}) does not match`);
    } finally {
      await host.close();
    }
  }, 60_000);
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

  it('serves library: site through the REST endpoint, where redirects cannot work, the images streamed up by deploy', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'sifhub-cache-'));
    try {
      await createBucket(s3, 'files', true, { list: true });
      await build('name: Library test\nurl: https://registry.example.org\nlibrary: site\n', 'dist-s3-site', { ...images.trust, SIFHUB_ALLOW_HOST: 'localhost', SIFHUB_CACHE_DIR: cache });
      const deployed = await runSifhub(['deploy', 's3://files', '--dir', 'dist-s3-site'], repo.dir, s3.env);
      expect(deployed.stderr).toBe('');
      for (const generation of GENERATIONS) {
        const pulled = await libraryPull(`${s3.endpoint}/files`, 'lab/default/tool', `sha256.${img.big!.sha256}`, { generation });
        expect(pulled.bytes.equals(img.big!.bytes), generation).toBe(true);
      }
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('fails the sha256 check, never pulling a wrong image, through the REST endpoint that cannot redirect', async () => {
    await expect(libraryPull(`${s3.endpoint}/${BUCKET}`, 'lab/tool', '1.0', { generation: 'current', ca: images.ca })).rejects.toThrow(/cached file hash\(sha256\.[0-9a-f]{64}\) and expected hash\(sha256\.[0-9a-f]{64}\) does not match/);
  });
});

describe('library: site, on a host that cannot redirect', () => {
  let server: StaticServer;
  let cache: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'sifhub-cache-'));
    // The build downloads as verify does: https, and this test's loopback image host allowed by name.
    env = { ...images.trust, SIFHUB_ALLOW_HOST: 'localhost', SIFHUB_CACHE_DIR: cache };
    server = await startStaticServer({ root: await build('name: Library test\nurl: https://registry.example.org\nlibrary: site\n', 'dist-site', env) });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(cache, { recursive: true, force: true });
  });

  it.each(GENERATIONS)('the %s client gets the bytes from the site itself', async (generation) => {
    for (const [name, ref, expected] of [['lab/tool', '1.0', img.busybox!], ['lab/default/tool', `sha256.${img.big!.sha256}`, img.big!]] as const) {
      const pulled = await libraryPull(server.url, name, ref, { generation });
      expect(pulled.bytes.equals(expected.bytes), `${name}:${ref}`).toBe(true);
      expect(pulled.requests.some((r) => r.includes(images.base))).toBe(false);
    }
  });

  it('checks the images it kept, as a restored CI cache must be: other bytes under a sha256 are fetched again', async () => {
    const kept = path.join(cache, 'images', img.busybox!.sha256);
    await rm(kept);
    await writeFile(kept, Buffer.alloc(img.busybox!.size, 7));
    const dir = await build('name: Library test\nurl: https://registry.example.org\nlibrary: site\n', 'dist-site-again', env);
    expect((await readFile(path.join(dir, 'v1/imagefile/lab/tool:1.0'))).equals(img.busybox!.bytes)).toBe(true);
    expect((await readFile(kept)).equals(img.busybox!.bytes)).toBe(true);
  });

  it('passes `sifhub check-deployment`, which asks for the bytes\' size', async () => {
    const checked = await runSifhub(['check-deployment', '--url', server.url], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain(`${server.url}/v1/imagefile/lab/tool:1.0`);
  });

  it('fails `sifhub check-deployment` on a host that does not redirect as registry.yml says', async () => {
    const plain = await startStaticServer({ root: path.join(repo.dir, 'dist-netlify') });
    try {
      const checked = await runSifhub(['check-deployment', '--url', plain.url], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
      expect(checked.code).not.toBe(0);
      expect(checked.stderr).toContain(`${plain.url}/v1/imagefile/lab/tool:1.0 answered 404, expected 303 to ${img.busybox!.url} (registry.yml has library: netlify) (was _redirects deployed at the site's root?)`);
    } finally {
      await plain.close();
    }
  });

  it('refuses to build with an image whose bytes are not the record\'s, and leaves the site as it was', async () => {
    await repo.write({ 'registry/lab/tool/bad.md': tagRecord({ ...img.busybox!, sha256: 'f'.repeat(64), md5: 'f'.repeat(32) }) });
    try {
      const built = await runSifhub(['build', '--registry', 'registry', '--out', 'dist-site', '--quiet'], repo.dir, env);
      expect(built.code).not.toBe(0);
      expect(built.stderr).toContain('registry/lab/tool/bad.md: library: site needs its image');
      expect(built.stderr).toContain('sha256');
      const pulled = await libraryPull(server.url, 'lab/tool', '1.0', { generation: 'current' });
      expect(pulled.bytes.equals(img.busybox!.bytes)).toBe(true);
      await expect(libraryPull(server.url, 'lab/tool', 'bad', { generation: 'current' })).rejects.toThrow('image does not exist');
    } finally {
      await rm(path.join(repo.dir, 'registry/lab/tool/bad.md'));
    }
  });
});

describe('a rebuild after one record changes', () => {
  it('rewrites that collection\'s library:// files and the map, and keeps every other collection\'s as they were', async () => {
    const own = await TempRepo.create();
    try {
      await own.write({
        'registry/registry.yml': 'name: Library test\nurl: https://registry.example.org\nlibrary: nginx\n',
        'registry/lab/tool/1.0.md': tagRecord(img.busybox!),
        'registry/other/thing/2.0.md': tagRecord(img.alpine!),
      });
      await own.commit('add', '2024-01-01T00:00:00Z');
      const build = () => runSifhub(['build', '--registry', 'registry', '--out', 'dist', '--quiet'], own.dir);
      expect((await build()).code).toBe(0);
      const kept = path.join(own.dir, 'dist/v1/images/other/default/thing:2.0');
      const before = (await stat(kept)).ino;
      await own.write({ 'registry/lab/tool/1.0.md': tagRecord(img.big!) });
      await own.commit('move 1.0', '2024-02-01T00:00:00Z');
      expect((await build()).code).toBe(0);
      const json = JSON.parse(await readFile(path.join(own.dir, 'dist/v1/images/lab/tool:1.0'), 'utf8')) as { data: { hash: string } };
      expect(json.data.hash).toBe(`sha256.${img.big!.sha256}`);
      expect(await readFile(path.join(own.dir, 'dist/library-imagefile.map'), 'utf8')).toContain(`"/v1/imagefile/lab/tool:1.0" "${img.big!.url}";`);
      expect((await stat(kept)).ino).toBe(before);
    } finally {
      await own.dispose();
    }
  });
});
