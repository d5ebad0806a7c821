import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildCache } from '../../src/output/build-cache-fs.ts';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { siteTree } from '../helpers/site-tree.ts';
import { image, REGISTRY_YML, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// A rebuild keeps the output of collections that did not change. What it must never do
// is serve a stale page: after every kind of change, the kept-and-rebuilt output must be byte for
// byte what a fresh build of the same records writes.

let repo: TempRepo;

/** Builds into dist/ (reusing) and into fresh/ (from nothing); both trees must be equal. */
async function buildBoth(): Promise<{ stdout: string; dist: Map<string, string> }> {
  // One container per search shard, so shards are kept and rebuilt too.
  const env = { SIFHUB_SEARCH_SHARD_RECORDS: '1' };
  const reused = await runSifhub(['build', '--quiet'], repo.dir, env);
  expect(withoutPlaceholderWarning(reused.stderr)).toBe('');
  expect(reused.code).toBe(0);
  const fresh = await runSifhub(['build', '--quiet', '--fresh', '--out', 'fresh'], repo.dir, env);
  expect(fresh.code).toBe(0);
  const [dist, clean] = await Promise.all([siteTree(path.join(repo.dir, 'dist')), siteTree(path.join(repo.dir, 'fresh'))]);
  expect([...dist.keys()].sort()).toEqual([...clean.keys()].sort());
  const differing = [...dist].filter(([file, content]) => clean.get(file) !== content).map(([file]) => file);
  expect(differing).toEqual([]);
  return { stdout: reused.stdout, dist };
}

beforeAll(async () => {
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': REGISTRY_YML,
    'registry/alpha/README.md': '---\nsummary: Alpha tools\n---\n',
    'registry/alpha/tool/1.0.md': tagRecord(image(1), 'labels:\n  maintainer: Ada\n'),
    'registry/beta/tool/1.0.md': tagRecord(image(2)),
    'registry/beta/tool/2.0.md': tagRecord(image(3)),
    'registry/gamma/viewer/1.0.md': tagRecord(image(4)),
  });
  await repo.commit('add', '2024-01-01T00:00:00Z');
});
afterAll(() => repo.dispose());

describe('sifhub build keeps unchanged collections', () => {
  it('builds everything the first time', async () => {
    const { stdout } = await buildBoth();
    expect(stdout).not.toContain('kept');
  });

  it('rebuilds only the collection whose tag moved, and the result equals a fresh build', async () => {
    const shards = (await readdir(path.join(repo.dir, 'dist'))).filter((d) => d.startsWith('pagefind')).map((dir) => path.join(repo.dir, 'dist', dir, 'pagefind-entry.json'));
    expect(shards.length).toBeGreaterThan(1);
    const inodes = async () => Promise.all(shards.map(async (file) => (await stat(file)).ino));
    const before = await inodes();
    await repo.write({ 'registry/beta/tool/2.0.md': tagRecord(image(5), 'labels:\n  maintainer: Grace\n') });
    await repo.commit('move beta/tool:2.0 to an image with a label', '2024-02-01T00:00:00Z');
    const { stdout, dist } = await buildBoth();
    // The search shard holding beta is written anew; the others are moved over untouched.
    const after = await inodes();
    const kept = after.filter((inode, i) => inode === before[i]).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(shards.length);
    expect(stdout).toContain('2 unchanged collections kept');
    expect(dist.has(`api/container/beta/tool:2.0@${image(3).md5}`)).toBe(true); // the old version stays pullable
    expect(dist.has(`api/container/beta/tool:2.0@${image(5).md5}`)).toBe(true);
  });

  it('renders only the tag pages that changed in a rebuilt collection: a sibling tag keeps its page from the current site', async () => {
    const dist = path.join(repo.dir, 'dist');
    const sibling = () => stat(path.join(dist, 'collections/beta/tool/1.0/index.html'));
    const before = (await sibling()).ino;
    await repo.write({ 'registry/beta/tool/2.0.md': tagRecord(image(5), 'labels:\n  maintainer: Grace Hopper\n') });
    await repo.commit('relabel beta/tool:2.0', '2024-02-05T00:00:00Z');
    const { stdout, dist: tree } = await buildBoth();
    expect(stdout).toContain('2 unchanged collections kept');
    // Linked, not rendered again: the very file the last build wrote.
    expect((await sibling()).ino).toBe(before);
    expect(Buffer.from(tree.get('collections/beta/tool/2.0/index.html')!, 'base64').toString()).toContain('Grace Hopper');
  });

  it('turns the site before last into the new one in place, writing only what changed', async () => {
    const dist = path.join(repo.dir, 'dist');
    const { spare } = await readBuildCache(dist);
    expect(spare).toBeDefined();
    const page = (site: string) => path.join(site, 'collections/gamma/viewer/1.0/index.html');
    const before = (await stat(page(spare!.site))).ino;
    await repo.write({ 'registry/alpha/README.md': '---\nsummary: Alpha tools, renamed\n---\n' });
    await repo.commit('describe alpha anew', '2024-02-15T00:00:00Z');
    const { stdout, dist: tree } = await buildBoth();
    expect(stdout).toContain('2 unchanged collections kept');
    expect(await realpath(dist)).toBe(spare!.site);
    expect((await stat(page(dist))).ino).toBe(before);
    expect(Buffer.from(tree.get('collections/alpha/index.html')!, 'base64').toString()).toContain('Alpha tools, renamed');
  });

  it('records each site by a marker that still holds at the next build, so neither site is walked file by file to be trusted', async () => {
    const dist = path.join(repo.dir, 'dist');
    const { site, marker, spare } = await readBuildCache(dist);
    const markerOf = async (dir: string) => {
      const info = await stat(dir, { bigint: true });
      return `${info.dev}:${info.ino}:${info.ctimeNs}`;
    };
    // Taken after the last change to the folder (its ctime moves with a chmod, too).
    expect(marker).toBe(await markerOf(site!));
    expect(spare?.marker).toBe(await markerOf(spare!.site));
  });

  it('takes a reverted collection back from the site before last, whose copy is already right', async () => {
    const dist = path.join(repo.dir, 'dist');
    const before = await readFile(path.join(repo.dir, 'registry/alpha/README.md'), 'utf8');
    await repo.write({ 'registry/alpha/README.md': '---\nsummary: A change soon undone\n---\n' });
    await repo.commit('describe alpha for a moment', '2024-02-20T00:00:00Z');
    await buildBoth();
    // The spare now is the site from before that change: its alpha is what the revert asks for.
    const { spare } = await readBuildCache(dist);
    const page = path.join(spare!.site, 'collections/alpha/index.html');
    const inode = (await stat(page)).ino;
    await repo.write({ 'registry/alpha/README.md': before });
    await repo.commit('undo it', '2024-02-21T00:00:00Z');
    const { dist: tree } = await buildBoth();
    expect(await realpath(dist)).toBe(spare!.site);
    expect((await stat(path.join(dist, 'collections/alpha/index.html'))).ino).toBe(inode);
    expect(Buffer.from(tree.get('collections/alpha/index.html')!, 'base64').toString()).not.toContain('soon undone');
  });

  it('drops a deleted collection and keeps the others', async () => {
    await repo.remove('registry/gamma/viewer/1.0.md');
    await repo.commit('remove gamma', '2024-03-01T00:00:00Z');
    const { stdout, dist } = await buildBoth();
    expect(stdout).toContain('2 unchanged collections kept');
    expect([...dist.keys()].some((f) => f.startsWith('collections/gamma/'))).toBe(false);
    // gamma's image stays pullable by digest: its history is still in git.
    expect(dist.has(`api/container/gamma/viewer@${image(4).md5}`)).toBe(true);
  });

  it('rebuilds a collection whose label changed, and everything when registry.yml changes', async () => {
    await repo.write({ 'registry/alpha/tool/1.0.md': tagRecord(image(1), 'labels:\n  maintainer: Grace\n') });
    await repo.commit('edit alpha label', '2024-04-01T00:00:00Z');
    expect((await buildBoth()).stdout).toContain('1 unchanged collection kept');

    await repo.write({ 'registry/registry.yml': REGISTRY_YML.replace('Test registry', 'Renamed registry') });
    await repo.commit('rename the registry', '2024-05-01T00:00:00Z');
    const { stdout, dist } = await buildBoth();
    expect(stdout).not.toContain('kept');
    expect(Buffer.from(dist.get('collections/alpha/tool/1.0/index.html')!, 'base64').toString()).toContain('Renamed registry');
  });

  it('rebuilds a collection whose kept output was removed by hand', async () => {
    const { rm } = await import('node:fs/promises');
    await rm(path.join(repo.dir, 'dist/collections/beta'), { recursive: true });
    const { stdout } = await buildBoth();
    expect(stdout).toContain('1 unchanged collection kept');
    expect(existsSync(path.join(repo.dir, 'dist/collections/beta/tool/2.0/index.html'))).toBe(true);
  });

  it('rebuilds a collection whose kept output is not what the last build wrote (a truncated or partial restore)', async () => {
    const { cp, rename, rm, truncate } = await import('node:fs/promises');
    // Restored from a CI cache, the sites are new folders: what the cache says of them is checked
    // file by file. A manifest cut short, and an API file gone: the page alone being there is not enough.
    const sites = path.join(repo.dir, '.dist-sites');
    await cp(sites, `${sites}.restored`, { recursive: true, verbatimSymlinks: true });
    await rm(sites, { recursive: true });
    await rename(`${sites}.restored`, sites);
    for (const site of await readdir(sites)) {
      await truncate(path.join(sites, site, `api/container/beta/tool:2.0@${image(5).md5}`), 10);
      await rm(path.join(sites, site, 'api/v1/collections/beta.json'), { force: true });
    }
    const { stdout, dist } = await buildBoth();
    expect(stdout).toContain('1 unchanged collection kept');
    expect(JSON.parse(Buffer.from(dist.get(`api/container/beta/tool:2.0@${image(5).md5}`)!, 'base64').toString())).toMatchObject({ version: image(5).md5 });
  });

  it('reports a broken record on every build, never from what an earlier build kept', async () => {
    const good = await readFile(path.join(repo.dir, 'registry/alpha/tool/1.0.md'), 'utf8');
    await repo.write({ 'registry/alpha/tool/1.0.md': good.replace(/^size: \d+$/m, 'size: "12"') });
    const first = await runSifhub(['build', '--quiet'], repo.dir);
    const second = await runSifhub(['build', '--quiet'], repo.dir);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('registry/alpha/tool/1.0.md');
    expect(first.stderr).toMatch(/size +expected a number written without quotes, received the string "12" +\(line \d+\)/);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(first.stderr);
    // Mended, the record is read again: the kept parse of the good text serves as before.
    await repo.write({ 'registry/alpha/tool/1.0.md': good });
    expect((await runSifhub(['build', '--quiet'], repo.dir)).code).toBe(0);
  });
});
