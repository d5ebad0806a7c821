import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { describeImage, tagRecord, TempRepo, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { nginxConfig, startNginx, type Host } from '../helpers/library-hosts.ts';

// oras:// pulls from the static OCI tree the build writes, served by nginx with the configuration
// `sifhub nginx-config` writes: go-containerregistry's request sequence (what Apptainer and
// SingularityCE pull with), and skopeo, a real OCI client, copying each tag and pinned digest.

const FIXTURES = new URL('../fixtures/sif/', import.meta.url);
const run = promisify(execFile);
const hasTools = existsSync('/usr/sbin/nginx') && existsSync('/usr/bin/skopeo');

let images: ImageServer;
let repo: TempRepo;
let nginx: Host;
const img: Record<string, Image & { bytes: Buffer }> = {};


const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(',');

/**
 * What go-containerregistry does for `apptainer pull oras://HOST/NAME:REF`: ping /v2/, fetch the
 * manifest (its Content-Type tells an index from an image), then the SIF layer's blob, following
 * redirects, checking its size and sha256.
 */
async function orasPull(name: string, reference: string): Promise<{ manifest: { layers: { mediaType: string; digest: string; size: number }[] }; type: string | null; digest: string; bytes: Buffer }> {
  const ping = await fetch(`${nginx.url}/v2/`);
  expect(ping.status).toBe(200);
  const response = await fetch(`${nginx.url}/v2/${name}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (response.status !== 200) throw new Error(`manifest ${name}:${reference}: ${response.status}`);
  const raw = Buffer.from(await response.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  // For a @sha256: reference, go-containerregistry recomputes the manifest's digest.
  if (reference.startsWith('sha256:')) expect(digest).toBe(reference);
  const manifest = JSON.parse(raw.toString()) as { layers: { mediaType: string; digest: string; size: number }[] };
  const layer = manifest.layers.find((l) => l.mediaType === 'application/vnd.sylabs.sif.layer.v1.sif')!;
  const blob = await fetch(`${nginx.url}/v2/${name}/blobs/${layer.digest}`, { redirect: 'manual' });
  // A redirect to the image's own host (here, one with a certificate made for the test).
  expect(blob.status).toBe(303);
  const bytes = await httpsGet(blob.headers.get('location')!);
  expect(bytes.length).toBe(layer.size);
  expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.digest);
  return { manifest, type: response.headers.get('content-type'), digest, bytes };
}

/** One more architecture's image, as a tag record's `platforms:` lists it. */
function platform(architecture: string, image: Image): string {
  return `  - architecture: ${architecture}\n    url: ${image.url}\n    sha256: ${image.sha256}\n    md5: ${image.md5}\n    size: ${image.size}\n`;
}

interface OciIndex {
  mediaType: string;
  manifests: { mediaType: string; digest: string; size: number; platform: { architecture: string; os: string } }[];
}

/** What go-containerregistry does with an image index for `remote.WithPlatform(linux/ARCH)`: the matching manifest, by digest. */
async function platformDigest(name: string, reference: string, architecture: string): Promise<{ digest: string; index: OciIndex; type: string | null; indexDigest: string }> {
  const response = await fetch(`${nginx.url}/v2/${name}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  expect(response.status).toBe(200);
  const raw = Buffer.from(await response.arrayBuffer());
  const index = JSON.parse(raw.toString()) as OciIndex;
  const entry = index.manifests.find((m) => m.platform.os === 'linux' && m.platform.architecture === architecture);
  if (!entry) throw new Error(`no child with platform linux/${architecture} in index ${name}:${reference}`);
  return { digest: entry.digest, index, type: response.headers.get('content-type'), indexDigest: `sha256:${createHash('sha256').update(raw).digest('hex')}` };
}

function httpsGet(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca: images.ca }, (response) => {
      const chunks: Buffer[] = [];
      if (response.statusCode !== 200) reject(new Error(`${url}: ${response.statusCode}`));
      response.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  if (!hasTools) return;
  const busybox = await readFile(new URL('sce-3.8.1_busybox_amd64_signed.sif', FIXTURES));
  const alpine = await readFile(new URL('singularity-3.2.1_alpine_labels-apps.sif', FIXTURES));
  const arm = await readFile(new URL('sce-3.8.1_busybox_arm64_signed.sif', FIXTURES));
  const ppc = await readFile(new URL('sce-3.8.1_busybox_ppc64le_signed.sif', FIXTURES));
  images = await startImageServer({ '/busybox.sif': busybox, '/alpine.sif': alpine, '/arm.sif': arm, '/ppc.sif': ppc });
  img.busybox = describeImage(busybox, `${images.base}/busybox.sif`);
  img.alpine = describeImage(alpine, `${images.base}/alpine.sif`);
  img.arm = describeImage(arm, `${images.base}/arm.sif`);
  img.ppc = describeImage(ppc, `${images.base}/ppc.sif`);
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Institute\nurl: https://hpc.example.edu\nlibrary: nginx\nrepository: https://github.com/hpc/registry\n',
    'registry/lab/README.md': '---\nowners: [ada, grace]\nsummary: The lab\'s tools.\nshpc:\n  features:\n    gpu: true\n---\n',
    'registry/lab/tool/README.md': '---\nsummary: Aligns reads.\nshpc:\n  aliases:\n    tool: /usr/local/bin/tool\n---\n',
    'registry/lab/tool/1.0.md': tagRecord(img.alpine!),
    'registry/lab/tool/2.0.md': tagRecord(img.arm!),
    'registry/lab/tool/3.0.md': tagRecord(img.ppc!),
    'registry/lab/multi/1.0.md': tagRecord(img.busybox!, `architecture: amd64\nplatforms:\n${platform('arm64', img.arm!)}`),
  });
  await repo.commit('start', '2024-01-01T00:00:00Z');
  await repo.write({
    'registry/lab/tool/1.0.md': tagRecord(img.busybox!, 'architecture: amd64\n'),
    'registry/lab/tool/2.0.md': tagRecord(img.arm!, 'yanked: Wrong build.\n'),
    'registry/lab/tool/3.0.md': tagRecord(img.ppc!, 'withdrawn: Leaked a key.\n'),
    'registry/lab/multi/1.0.md': tagRecord(img.busybox!, `architecture: amd64\nplatforms:\n${platform('arm64', img.arm!)}${platform('ppc64le', img.ppc!)}`),
  });
  await repo.commit('move 1.0, yank 2.0, withdraw 3.0', '2024-02-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(build.code, build.stderr).toBe(0);
  nginx = await startNginx(await nginxConfig(repo.dir, path.join(repo.dir, 'dist')));
}, 180_000);

afterAll(async () => {
  await nginx?.close();
  await images?.close();
  await repo?.dispose();
});

describe.skipIf(!hasTools)('oras:// from the static OCI tree on nginx', () => {
  it('pulls a tag as go-containerregistry does: an OCI image manifest, then the SIF itself from where its record says', async () => {
    const pulled = await orasPull('lab/tool', '1.0');
    expect(pulled.type).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(pulled.bytes.equals(img.busybox!.bytes)).toBe(true);
    // latest is the most recently updated tag still standing.
    expect((await orasPull('lab/tool', 'latest')).digest).toBe(pulled.digest);
  });

  it('keeps every image a tag pointed at pullable by its manifest digest, as a moved tag\'s pin', async () => {
    const manifests = await readFile(path.join(repo.dir, 'dist/v2/_catalog'), 'utf8');
    expect(JSON.parse(manifests)).toEqual({ repositories: ['lab/multi', 'lab/tool'] });
    const list = await fetch(`${nginx.url}/v2/lab/tool/tags/list`);
    expect(list.headers.get('content-type')).toBe('application/json');
    expect(await list.json()).toEqual({ name: 'lab/tool', tags: ['1.0', 'latest'] });
    // The first image of 1.0, by the digest its manifest has.
    const before = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.sylabs.sif.config.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [{ mediaType: 'application/vnd.sylabs.sif.layer.v1.sif', digest: `sha256:${img.alpine!.sha256}`, size: img.alpine!.size, annotations: { 'org.opencontainers.image.title': 'tool.sif' } }] });
    const pinned = await orasPull('lab/tool', `sha256:${createHash('sha256').update(before).digest('hex')}`);
    expect(pinned.bytes.equals(img.alpine!.bytes)).toBe(true);
  });

  it('serves a yanked image by digest only, and a withdrawn one not at all', async () => {
    expect((await fetch(`${nginx.url}/v2/lab/tool/manifests/2.0`)).status).toBe(404);
    const yanked = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.sylabs.sif.config.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [{ mediaType: 'application/vnd.sylabs.sif.layer.v1.sif', digest: `sha256:${img.arm!.sha256}`, size: img.arm!.size, annotations: { 'org.opencontainers.image.title': 'tool.sif' } }] });
    expect((await orasPull('lab/tool', `sha256:${createHash('sha256').update(yanked).digest('hex')}`)).bytes.equals(img.arm!.bytes)).toBe(true);
    expect((await fetch(`${nginx.url}/v2/lab/tool/manifests/3.0`)).status).toBe(404);
    expect((await fetch(`${nginx.url}/v2/lab/tool/blobs/sha256:${img.ppc!.sha256}`, { redirect: 'manual' })).status).toBe(404);
  });

  it('writes shpc\'s library.json and container.yaml: each tag pinned by the digest oras:// serves, valid by shpc\'s own schema', async () => {
    const library = JSON.parse(await (await fetch(`${nginx.url}/library.json`)).text()) as Record<string, { config_url: string; config: Record<string, unknown> }>;
    expect(Object.keys(library)).toEqual(['lab/multi', 'lab/tool']);
    const entry = library['lab/tool']!;
    const digest = (await orasPull('lab/tool', '1.0')).digest;
    expect(entry.config).toEqual({
      oras: 'hpc.example.edu/lab/tool',
      url: 'https://hpc.example.edu/collections/lab/tool/',
      maintainer: '@ada, @grace',
      description: 'Aligns reads.',
      latest: { '1.0': digest },
      tags: { '1.0': digest },
      aliases: { tool: '/usr/local/bin/tool' },
      features: { gpu: true },
    });
    const ajv = new Ajv({ strict: false });
    const valid = ajv.compile(JSON.parse(await readFile(new URL('../fixtures/shpc/container.schema.json', import.meta.url), 'utf8')));
    expect(valid(entry.config), JSON.stringify(valid.errors)).toBe(true);
    expect(entry.config_url).toBe('https://hpc.example.edu/collections/lab/tool/container.yaml');
    const yaml = parse(await (await fetch(`${nginx.url}/collections/lab/tool/container.yaml`)).text());
    expect(yaml).toEqual(entry.config);
    // The container's page says how to install it as a module.
    const page = await (await fetch(`${nginx.url}/collections/lab/tool/`)).text();
    expect(page).toContain('shpc install lab/tool');
    expect(page).toContain('apptainer pull oras://hpc.example.edu/lab/tool:1.0');
    // And the About page lists oras:// among the ways to pull.
    expect(await (await fetch(`${nginx.url}/about/`)).text()).toContain('apptainer pull oras://hpc.example.edu/COLLECTION/CONTAINER:TAG');
  });

  it('refuses a library:// client that asks for another architecture, rather than hand it this one', async () => {
    // Apptainer sends its own architecture with both requests of a library:// pull.
    const images = (arch: string) => fetch(`${nginx.url}/v1/images/lab/tool:1.0${arch ? `?arch=${arch}` : ''}`);
    expect((await images('amd64')).status).toBe(200);
    expect((await images('')).status).toBe(200);
    const refused = await images('arm64');
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(await refused.json()).toEqual({ error: { code: 404, message: 'no arm64 image of this tag: it is amd64 only' } });
    const imagefile = (arch: string) => fetch(`${nginx.url}/v1/imagefile/lab/tool:1.0?arch=${arch}`, { redirect: 'manual' });
    expect((await imagefile('amd64')).status).toBe(303);
    expect((await imagefile('ppc64le')).status).toBe(404);
  });

  it('is checked by check-deployment: /v2/ at the host\'s root, and each tag\'s manifest naming its image', async () => {
    const result = await runSifhub(['check-deployment', '--url', nginx.url, '--json'], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    const report = JSON.parse(result.stdout) as { ok: boolean; checked: string[]; problems: string[] };
    expect(report.checked).toEqual(expect.arrayContaining(['/v2/', '/v2/lab/multi/manifests/1.0']));
    // The build was for https://hpc.example.edu, so that is the one problem.
    expect(report.problems.filter((p) => !p.includes('the site was built for another URL'))).toEqual([]);
  });

  it('answers a HEAD by tag with Docker-Content-Digest, as the oras CLI needs, naming the manifest it serves', async () => {
    const head = await fetch(`${nginx.url}/v2/lab/tool/manifests/1.0`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe((await orasPull('lab/tool', '1.0')).digest);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('serves a tag of several architectures as an OCI image index, each client getting its own architecture\'s image', async () => {
    const arm = await platformDigest('lab/multi', '1.0', 'arm64');
    // The Content-Type alone tells go-containerregistry an index from an image.
    expect(arm.type).toBe('application/vnd.oci.image.index.v1+json');
    expect(arm.index.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64', 'ppc64le']);
    expect((await orasPull('lab/multi', arm.digest)).bytes.equals(img.arm!.bytes)).toBe(true);
    const amd = await platformDigest('lab/multi', '1.0', 'amd64');
    expect((await orasPull('lab/multi', amd.digest)).bytes.equals(img.busybox!.bytes)).toBe(true);
    // A HEAD by tag names the index's digest, typed as an index, as the oras CLI reads it.
    const head = await fetch(`${nginx.url}/v2/lab/multi/manifests/1.0`, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    expect(head.headers.get('docker-content-digest')).toBe(arm.indexDigest);
    // shpc pins the tag by the index's digest: each HPC centre's module gets its own architecture.
    const library = JSON.parse(await (await fetch(`${nginx.url}/library.json`)).text()) as Record<string, { config: { tags: Record<string, string> } }>;
    expect(library['lab/multi']!.config.tags['1.0']).toBe(arm.indexDigest);
    // The tag's page lists each architecture with the commands that pull it on any machine.
    const page = await (await fetch(`${nginx.url}/collections/lab/multi/1.0/`)).text();
    expect(page).toContain('oras:// and library:// give each machine its own');
    expect(page).toContain('apptainer pull --arch arm64 oras://hpc.example.edu/lab/multi:1.0');
    expect(page).toContain(`apptainer pull --arch ppc64le library://hpc.example.edu/lab/default/multi:sha256.${img.ppc!.sha256}`);
    // An architecture the tag does not hold is not in it: the client stops, naming it.
    await expect(platformDigest('lab/multi', '1.0', 's390x')).rejects.toThrow('no child with platform linux/s390x');
  });

  it('keeps the index a tag of several architectures had before pullable by its digest', async () => {
    // The first commit's index (amd64 and arm64): the tag has moved on to three architectures since.
    const shapes = [['amd64', img.busybox!], ['arm64', img.arm!]] as const;
    const manifests = shapes.map(([architecture, image]) => {
      const text = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.sylabs.sif.config.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [{ mediaType: 'application/vnd.sylabs.sif.layer.v1.sif', digest: `sha256:${image.sha256}`, size: image.size, annotations: { 'org.opencontainers.image.title': 'multi.sif' } }] });
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${createHash('sha256').update(text).digest('hex')}`, size: text.length, platform: { architecture, os: 'linux' } };
    });
    const old = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
    const digest = `sha256:${createHash('sha256').update(old).digest('hex')}`;
    const pinned = await platformDigest('lab/multi', digest, 'arm64');
    expect(pinned.indexDigest).toBe(digest);
    expect(pinned.index.manifests).toHaveLength(2);
    expect((await orasPull('lab/multi', pinned.digest)).bytes.equals(img.arm!.bytes)).toBe(true);
  });

  it('routes a library:// client to its own architecture\'s image of a tag that holds several, and refuses one it does not hold', async () => {
    const image = async (ref: string, arch: string) => {
      const response = await fetch(`${nginx.url}/v1/images/lab/multi:${ref}?arch=${arch}`);
      return { status: response.status, body: (await response.json()) as { data?: { hash: string; arch: string }; error?: { message: string } } };
    };
    for (const [arch, expected] of [['amd64', img.busybox!], ['arm64', img.arm!], ['ppc64le', img.ppc!]] as const) {
      const { status, body } = await image('1.0', arch);
      expect(status).toBe(200);
      expect(body.data).toMatchObject({ hash: `sha256.${expected.sha256}`, arch });
      // The download the JSON leads to is that architecture's image too.
      const file = await fetch(`${nginx.url}/v1/imagefile/lab/multi:1.0?arch=${arch}`, { redirect: 'manual' });
      expect(file.headers.get('location')).toBe(expected.url);
      // So does `latest`, and the same name under the Library's default collection.
      expect((await image('latest', arch)).body.data?.hash).toBe(`sha256.${expected.sha256}`);
    }
    expect((await (await fetch(`${nginx.url}/v1/images/lab/default/multi:1.0?arch=arm64`)).json()).data.hash).toBe(`sha256.${img.arm!.sha256}`);
    // Each image keeps its own pin, answered for its architecture only.
    expect((await image(`sha256.${img.arm!.sha256}`, 'arm64')).body.data?.arch).toBe('arm64');
    expect((await image(`sha256.${img.arm!.sha256}`, 'amd64')).status).toBe(404);
    const refused = await image('1.0', 's390x');
    expect(refused.status).toBe(404);
    expect(refused.body.error?.message).toBe('no s390x image of this tag: it has amd64 arm64 ppc64le');
    expect((await fetch(`${nginx.url}/v1/imagefile/lab/multi:1.0?arch=s390x`, { redirect: 'manual' })).status).toBe(404);
    // A client that names no architecture (Singularity ≤ 3.3) gets the tag's own image.
    expect((await (await fetch(`${nginx.url}/v1/images/lab/multi:1.0`)).json()).data.hash).toBe(`sha256.${img.busybox!.sha256}`);
  });

  it('is copied by skopeo, a real OCI client, by tag and by digest', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sifhub-skopeo-'));
    try {
      const host = nginx.url.replace(/^http:\/\//, '');
      const copy = (reference: string, dir: string) => run('skopeo', ['copy', '--src-tls-verify=false', `docker://${host}/lab/tool${reference}`, `dir:${path.join(out, dir)}`], { env: { ...process.env, ...images.trust } });
      await copy(':1.0', 'tag');
      const manifest = JSON.parse(await readFile(path.join(out, 'tag/manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      const layer = await readFile(path.join(out, 'tag', manifest.layers[0]!.digest.replace('sha256:', '')));
      expect(layer.equals(img.busybox!.bytes)).toBe(true);
      const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/lab/tool:1.0`]);
      const digest = `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
      await copy(`@${digest}`, 'digest');
      // From a tag of several architectures, the one skopeo is told to pick.
      await run('skopeo', ['copy', '--src-tls-verify=false', '--override-os', 'linux', '--override-arch', 'arm64', `docker://${host}/lab/multi:1.0`, `dir:${path.join(out, 'arm')}`], { env: { ...process.env, ...images.trust } });
      const arm = JSON.parse(await readFile(path.join(out, 'arm/manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      expect((await readFile(path.join(out, 'arm', arm.layers[0]!.digest.replace('sha256:', '')))).equals(img.arm!.bytes)).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
