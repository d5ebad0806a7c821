import { chmod, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { describeImage, tagRecord, TempRepo, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { libraryPull, type Generation } from '../helpers/library-client.ts';
import { nginxConfig, startNginx, type Host } from '../helpers/library-hosts.ts';
import { manifestRequestPath, request } from '../helpers/shub-client.ts';

// A registry on an institution's own server: `sifhub build`, `sifhub deploy DIR` (DIR/current
// switched atomically), `sifhub nginx-config --root DIR/current`, and Debian's nginx run as a web
// server is (workers as nobody, which reads only what every user may read), under a path prefix.
// Then what the clients do: both library:// generations and the shub client pull, and every file
// of the site answers.

const FIXTURES = fileURLToPath(new URL('../fixtures/sif/', import.meta.url));
const asRoot = process.getuid?.() === 0;

let images: ImageServer;
let repo: TempRepo;
let nginx: Host | undefined;
let served: string;
const img: Record<string, Image & { bytes: Buffer }> = {};

const deploy = async () => {
  const result = await runSifhub(['deploy', path.join(repo.dir, 'srv')], repo.dir);
  expect(result.code, result.stderr).toBe(0);
  return result;
};

beforeAll(async () => {
  const busybox = await readFile(path.join(FIXTURES, 'sce-3.8.1_busybox_amd64_signed.sif'));
  const alpine = await readFile(path.join(FIXTURES, 'singularity-3.2.1_alpine_labels-apps.sif'));
  images = await startImageServer({ '/busybox.sif': busybox, '/alpine.sif': alpine });
  img.busybox = describeImage(busybox, `${images.base}/busybox.sif`);
  img.alpine = describeImage(alpine, `${images.base}/alpine.sif`);
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Institute\nurl: https://hpc.example.edu/registry\nlibrary: nginx\n',
    'registry/lab/README.md': '---\nowners: [ada]\n---\nThe lab.\n',
    'registry/lab/tool/README.md': '---\nsummary: A tool\n---\n',
    'registry/lab/tool/1.0.md': tagRecord(img.alpine!, 'labels:\n  maintainer: Ada\n'),
  });
  await repo.commit('start', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(img.busybox!) });
  await repo.commit('move 1.0', '2024-02-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(build.code, build.stderr).toBe(0);
  // As /srv would be: the folders above the site open to all (mkdtemp made the repository's 0700).
  await chmod(repo.dir, 0o755);
  await deploy();
  served = path.join(repo.dir, 'srv/current');
  if (asRoot) nginx = await startNginx(await nginxConfig(repo.dir, served), { user: 'nobody nogroup' });
}, 180_000);

afterAll(async () => {
  await nginx?.close();
  await images?.close();
  await repo?.dispose();
});

describe('a registry on its own server: deploy DIR, nginx-config, nginx as nobody', () => {
  it('installs each deploy as a site of its own and switches DIR/current to it, keeping the one before', async () => {
    const first = await readlink(served);
    await repo.write({ 'registry/lab/tool/2.0.md': tagRecord(img.alpine!) });
    await repo.commit('add 2.0', '2024-03-01T00:00:00Z');
    expect((await runSifhub(['build', '--quiet'], repo.dir)).code).toBe(0);
    const second = await deploy();
    expect(second.stdout).toContain(`the site before stays in ${path.join(repo.dir, 'srv', first)}`);
    expect(await readlink(served)).not.toBe(first);
    await deploy();
    // The current site and the one before; the first is gone.
    expect((await readdir(path.join(repo.dir, 'srv/sites'))).length).toBe(2);
    expect(await readdir(path.join(repo.dir, 'srv/sites'))).not.toContain(path.basename(first));
    expect(await stat(path.join(served, 'collections/lab/tool/2.0/index.html'))).toBeTruthy();
  });

  it('says on its About page how to pull with each protocol it serves, and nothing about what is not set', async () => {
    const about = await readFile(path.join(served, 'about/index.html'), 'utf8');
    expect(about).toContain('apptainer pull shub://hpc.example.edu/registry/COLLECTION/CONTAINER:TAG');
    expect(about).toContain('apptainer pull --library https://hpc.example.edu/registry library://COLLECTION/CONTAINER:TAG');
    expect(about).toContain('library://COLLECTION/CONTAINER:sha256.SHA256');
    // registry.yml sets no contact or help: no empty rows for them.
    expect(about).not.toMatch(/<dt>(Help|Contact)<\/dt>/);
  });

  it('writes folders 0755 and files 0644, whoever builds and deploys it', async () => {
    const site = await realpath(served);
    expect(((await stat(site)).mode & 0o777).toString(8)).toBe('755');
    const entries = await readdir(site, { recursive: true, withFileTypes: true });
    const modes = new Set(await Promise.all(entries.map(async (e) => `${e.isDirectory() ? 'dir' : 'file'} ${((await stat(path.join(e.parentPath, e.name))).mode & 0o777).toString(8)}`)));
    expect([...modes].sort()).toEqual(['dir 755', 'file 644']);
  });

  it('writes a configuration nginx accepts: for http {} the map, for the server the rest', async () => {
    const out = await nginxConfig(repo.dir, served);
    const http = await readFile(path.join(out, 'http.conf'), 'utf8');
    expect(http).toContain(`include ${served}/library-imagefile.map;`);
    const server = await readFile(path.join(out, 'server.conf'), 'utf8');
    expect(server).toContain('location ^~ /registry/v1/imagefile/ {');
    expect(server).toContain('error_page 404 /registry/404.html;');
    const bad = await runSifhub(['nginx-config', '--root', 'srv/current', '--out-dir', out], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--root expects an absolute path');
  });

  describe.runIf(asRoot)('served by nginx', () => {
    const base = () => `${nginx!.url}/registry`;

    it('is checked by check-deployment, which tells whether nginx was reloaded since the deploy', async () => {
      // Two deploys since nginx started: it still serves the first deploy's map.
      const stale = await runSifhub(['check-deployment', '--url', base()], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
      expect(stale.code).toBe(3);
      expect(stale.stderr).toMatch(/nginx serves the library:\/\/ map of another deploy \([0-9a-f]{8}\), not this deploy's \([0-9a-f]{8}\): reload nginx/);
      await nginx!.reload!();
      const fresh = await runSifhub(['check-deployment', '--url', base()], repo.dir, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
      expect(fresh.stderr).toBe('');
      expect(fresh.stdout).toContain("/registry/v1/imagefile/.sifhub:map (nginx serves this deploy's library:// map)");
      expect(fresh.code).toBe(0);
    });

    it.each(['current', 'legacy'] as Generation[])('the %s library:// client pulls a tag and an old pin, each checked by sha256', async (generation) => {
      for (const [ref, expected] of [['1.0', img.busybox!], [`sha256.${img.alpine!.sha256}`, img.alpine!]] as const) {
        const pulled = await libraryPull(base(), 'lab/tool', ref, { generation, ca: images.ca });
        expect(pulled.bytes.equals(expected.bytes), ref).toBe(true);
      }
    });

    it('answers the shub client: a tag and a pinned old version, each naming its image', async () => {
      for (const [ref, expected] of [['lab/tool:1.0', img.busybox!], [`lab/tool:1.0@${img.alpine!.md5}`, img.alpine!]] as const) {
        const response = await request('GET', nginx!.url, manifestRequestPath(`shub://hpc.example.edu/registry/${ref}`));
        expect(response.status, ref).toBe(200);
        expect(JSON.parse(response.body.toString())).toMatchObject({ image: expected.url, commit: expected.sha256, version: expected.md5 });
      }
    });

    it('serves JSON as JSON, hashed assets for a year, moving files briefly, and its own 404 page', async () => {
      const manifest = await request('GET', nginx!.url, '/registry/api/container/lab/tool:1.0');
      expect(manifest.headers['content-type']).toBe('application/json');
      expect(manifest.headers['cache-control']).toBe('public, max-age=60');
      const asset = (await readdir(path.join(served, '_astro')))[0]!;
      expect((await request('GET', nginx!.url, `/registry/_astro/${asset}`)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const missing = await request('GET', nginx!.url, '/registry/collections/nothing/');
      expect(missing.status).toBe(404);
      expect(missing.body.toString()).toContain('<title>');
    });

    it('answers 200 for every file of the site, and never serves the map', async () => {
      const files = (await readdir(served, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => path.relative(served, path.join(f.parentPath, f.name)).split(path.sep).join('/'));
      for (const kind of [/^index\.html$/, /^collections\/lab\/tool\/1\.0\/index\.html$/, /^api\/container\/lab\/tool:1\.0@/, /^api\/v1\/registry\.json$/, /^v1\/images\/lab\/tool:1\.0$/, /^pagefind\//, /^_astro\/.*\.css$/, /^sitemap/]) {
        expect(files.some((f) => kind.test(f)), String(kind)).toBe(true);
      }
      expect((await request('GET', nginx!.url, '/registry/library-imagefile.map')).status).toBe(404);
      expect((await request('GET', nginx!.url, '/registry/library-arch.map')).status).toBe(404);
      const refused: string[] = [];
      // As the clients send them: ':' and '@' literal, anything else a browser would escape escaped.
      for (const file of files.filter((f) => !f.endsWith('.map'))) {
        const response = await request('GET', nginx!.url, `/registry/${file.split('/').map((p) => encodeURIComponent(p).replace(/%3A/g, ':').replace(/%40/g, '@')).join('/')}`);
        if (response.status !== 200) refused.push(`${response.status} ${file}`);
      }
      expect(refused).toEqual([]);
    }, 120_000);
  });
});
