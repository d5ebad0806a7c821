import { chmod, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { image, REGISTRY_YML, tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { startNginx, type Host } from '../helpers/library-hosts.ts';
import { request } from '../helpers/shub-client.ts';

// A built site served as an institution serves it: nginx whose workers run as an unprivileged
// user (nobody), which reads only what every user may read. Every file of the site must answer.

const asRoot = process.getuid?.() === 0;

let repo: TempRepo;
let nginx: Host | undefined;

beforeAll(async () => {
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': `${REGISTRY_YML}library: nginx\n`,
    'registry/lab/README.md': '---\nowners: [ada]\n---\nThe lab.\n',
    'registry/lab/tool/README.md': '---\nsummary: A tool\n---\n',
    'registry/lab/tool/1.0.md': tagRecord(image(1), 'labels:\n  maintainer: Ada\n'),
    'registry/lab/tool/2.0.md': tagRecord(image(2)),
  });
  await repo.commit('start', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(3)) });
  await repo.commit('move 1.0', '2024-02-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(build.code, build.stderr).toBe(0);
  // As /srv/registry would be: the repository's own folder open to all (mkdtemp made it 0700).
  await chmod(repo.dir, 0o755);
  if (asRoot) nginx = await startNginx(path.join(repo.dir, 'dist'), '', { user: 'nobody nogroup' });
}, 180_000);

afterAll(async () => {
  await nginx?.close();
  await repo?.dispose();
});

describe('a built site, served by nginx running as nobody', () => {
  it.runIf(asRoot)('answers 200 for every file: pages, JSON, shub manifests, library:// files, search index, assets', async () => {
    const dist = path.join(repo.dir, 'dist');
    const files = (await readdir(dist, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => path.relative(dist, path.join(f.parentPath, f.name)).split(path.sep).join('/'));
    // Every kind is there to be fetched.
    for (const kind of [/^index\.html$/, /^collections\/lab\/tool\/1\.0\/index\.html$/, /^api\/container\/lab\/tool:1\.0@/, /^api\/v1\/registry\.json$/, /^v1\/images\/lab\/tool:1\.0$/, /^pagefind\//, /^_astro\/.*\.css$/, /^sitemap/]) {
      expect(files.some((f) => kind.test(f)), String(kind)).toBe(true);
    }
    const refused: string[] = [];
    for (const file of files) {
      // As the clients send them: ':' and '@' literal, anything else a browser would escape escaped.
      const response = await request('GET', nginx!.url, `/${file.split('/').map((p) => encodeURIComponent(p).replace(/%3A/g, ':').replace(/%40/g, '@')).join('/')}`);
      if (response.status !== 200) refused.push(`${response.status} ${file}`);
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it('writes folders 0755 and files 0644, whoever builds it', async () => {
    const dist = path.join(repo.dir, 'dist');
    const site = await realpath(dist);
    expect(((await stat(site)).mode & 0o777).toString(8)).toBe('755');
    const entries = await readdir(site, { recursive: true, withFileTypes: true });
    const modes = new Set(await Promise.all(entries.map(async (e) => `${e.isDirectory() ? 'dir' : 'file'} ${((await stat(path.join(e.parentPath, e.name))).mode & 0o777).toString(8)}`)));
    expect([...modes].sort()).toEqual(['dir 755', 'file 644']);
  });
});
