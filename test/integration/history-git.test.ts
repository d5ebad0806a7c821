import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHistory, type History } from '../../src/git/read-history.ts';
import { loadSite } from '../../src/pipeline/load-site.ts';
import { toManifests } from '../../src/pipeline/to-manifests.ts';
import { EnvironmentError } from '../../src/errors.ts';
import { image, REGISTRY_YML, tagRecord, TempRepo } from '../helpers/git-repo.ts';

let repo: TempRepo;
beforeEach(async () => {
  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': REGISTRY_YML });
});
afterEach(() => repo.dispose());

const tagsOf = async () => (await loadSite({ registryDir: repo.registry })).collections.flatMap((c) => c.containers.flatMap((n) => n.tags));

describe('history from git', () => {
  it('shows each commit\'s own date and author whatever bytes an author name or message holds', async () => {
    const [a, b] = [image(1), image(2)];
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(a) });
    // Names that would end a field or a commit in a log parsed on \x1e/\x1f, or look like a raw diff line.
    const forger = 'Eve\x1f2099-01-01T00:00:00Z\x1fTrusted Maintainer\x1e';
    const first = await repo.commit('x\x1e\x1f\n:100644 100644 0 0 M', '2024-01-15T10:00:00Z', forger);
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(b) });
    const second = await repo.commit('Move', '2024-03-01T10:00:00Z', ':100644 100644 aaaa bbbb M');
    // git trims some characters at a name's ends (":", controls); the site shows what git holds.
    const authorOf = async (commit: string) => (await repo.git('log', '-1', '--format=%an', commit)).replace(/\n$/, '');
    expect(await authorOf(first)).toContain('\x1f2099-01-01T00:00:00Z\x1fTrusted Maintainer');
    const [tag] = await tagsOf();
    expect(tag!.versions).toEqual([
      { ...a, commit: first, date: '2024-01-15T10:00:00Z', author: await authorOf(first) },
      { ...b, commit: second, date: '2024-03-01T10:00:00Z', author: await authorOf(second) },
    ]);
  });

  it('gives a tag moved twice three versions with dates, commits and authors, and an @md5 manifest for each', async () => {
    const [a, b, c] = [image(1), image(2), image(3)];
    await repo.commit('registry.yml only', '2024-01-10T09:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(a) });
    const first = await repo.commit('Add lab/tool:1.0', '2024-01-15T10:00:00Z', 'Ada Lovelace');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(a, '', 'Only notes changed\n') });
    await repo.commit('Notes', '2024-02-01T10:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(b) });
    const second = await repo.commit('Move 1.0', '2024-03-01T10:00:00Z', 'Grace Hopper');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(c) });
    const third = await repo.commit('Move 1.0 again', '2024-04-01T10:00:00Z', 'Alan Turing');

    const [tag] = await tagsOf();
    expect(tag!.versions).toEqual([
      { ...a, commit: first, date: '2024-01-15T10:00:00Z', author: 'Ada Lovelace' },
      { ...b, commit: second, date: '2024-03-01T10:00:00Z', author: 'Grace Hopper' },
      { ...c, commit: third, date: '2024-04-01T10:00:00Z', author: 'Alan Turing' },
    ]);
    expect(tag!.firstAdded).toBe('2024-01-15T10:00:00Z');
    expect(tag!.lastChanged).toBe('2024-04-01T10:00:00Z');
    expect(tag!.uncommitted).toBe(false);

    const paths = toManifests(await loadSite({ registryDir: repo.registry })).files.map((f) => f.path);
    for (const v of [a, b, c]) expect(paths).toEqual(expect.arrayContaining([`api/container/lab/tool@${v.md5}`, `api/container/lab/tool:1.0@${v.md5}`]));
  });

  it('keeps the @md5 manifests of a deleted tag', async () => {
    const [a, b] = [image(1), image(2)];
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(a), 'registry/lab/tool/2.0.md': tagRecord(b) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.remove('registry/lab/tool/1.0.md');
    await repo.commit('remove 1.0', '2024-02-01T00:00:00Z');

    const site = await loadSite({ registryDir: repo.registry });
    expect(site.removed.map((r) => [r.name, r.versions.map((v) => v.md5)])).toEqual([['1.0', [a.md5]]]);
    const paths = toManifests(site).files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([`api/container/lab/tool@${a.md5}`, `api/container/lab/tool:1.0@${a.md5}`]));
    expect(paths).not.toContain('api/container/lab/tool:1.0');
  });

  it('follows a renamed record', async () => {
    const a = image(1);
    await repo.write({ 'registry/lab/tool/v1.md': tagRecord(a) });
    const first = await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.git('mv', 'registry/lab/tool/v1.md', 'registry/lab/tool/1.0.md');
    await repo.commit('rename', '2024-02-01T00:00:00Z');

    const [tag] = await tagsOf();
    expect(tag!.name).toBe('1.0');
    expect(tag!.firstAdded).toBe('2024-01-01T00:00:00Z');
    expect(tag!.versions.map((v) => v.commit)).toEqual([first]);
  });

  it('builds records that are not committed yet, marked as uncommitted', async () => {
    const [a, b] = [image(1), image(2)];
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(a) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(b), 'registry/lab/tool/2.0.md': tagRecord(image(3)) });

    const tags = await tagsOf();
    const moved = tags.find((t) => t.name === '1.0')!;
    expect(moved.uncommitted).toBe(true);
    expect(moved.versions.map((v) => [v.md5, v.date])).toEqual([[a.md5, '2024-01-01T00:00:00Z'], [b.md5, undefined]]);
    expect(tags.find((t) => t.name === '2.0')!.uncommitted).toBe(true);
  });

  it('works when the registry folder is the repository root', async () => {
    const root = await TempRepo.create();
    try {
      await root.write({ 'registry.yml': REGISTRY_YML, 'lab/tool/1.0.md': tagRecord(image(1)) });
      await root.commit('add', '2024-01-01T00:00:00Z');
      const site = await loadSite({ registryDir: root.dir });
      expect(site.collections[0]!.containers[0]!.tags[0]!.firstAdded).toBe('2024-01-01T00:00:00Z');
    } finally {
      await root.dispose();
    }
  });

  it('fails loudly in a shallow clone', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1)) });
    await repo.commit('one', '2024-01-01T00:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(2)) });
    await repo.commit('two', '2024-02-01T00:00:00Z');
    const clone = await mkdtemp(path.join(tmpdir(), 'sifhub-shallow-'));
    try {
      await promisify(execFile)('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone]);
      const error = await loadSite({ registryDir: path.join(clone, 'registry') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as Error).message).toMatch(/shallow clone.*git fetch --unshallow/s);
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  it('fails with a clear message outside a git repository', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-nogit-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path.join(dir, 'registry.yml'), REGISTRY_YML);
      const error = await loadSite({ registryDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as Error).message).toMatch(/not inside a git repository/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('history read from the last build onward', () => {
  const wanted = () => true;
  const nothingKnown = () => false;
  const readWhole = () => readHistory(repo.registry, nothingKnown, wanted);
  const comparable = (history: History) => ({ files: [...history.files].sort((a, b) => (a.path < b.path ? -1 : 1)), blobs: [...history.blobs.keys()].sort() });

  it('equals the history read whole: moves, renames and deletions after the kept commit, and nothing new at all', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1)), 'registry/lab/tool/2.0.md': tagRecord(image(2)), 'registry/lab/old/1.0.md': tagRecord(image(3)) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    const kept = (await readWhole()).kept!;
    expect(comparable(await readHistory(repo.registry, nothingKnown, wanted, undefined, kept))).toEqual(comparable(await readWhole()));

    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(4)) });
    await repo.commit('move 1.0', '2024-02-01T00:00:00Z');
    await repo.git('mv', 'registry/lab/tool/2.0.md', 'registry/lab/tool/2.1.md');
    await repo.commit('rename 2.0', '2024-03-01T00:00:00Z');
    await repo.remove('registry/lab/old/1.0.md');
    await repo.commit('remove old', '2024-04-01T00:00:00Z');
    // The log is read only after the kept commit: a kept history that is wrong on purpose shows it was used.
    const marked = { ...kept, files: kept.files.map((f) => ({ ...f, changes: f.changes.map((c) => ({ ...c, author: 'From the kept history' })) })) };
    const continued = await readHistory(repo.registry, nothingKnown, wanted, undefined, marked);
    expect(continued.files.find((f) => f.path === 'lab/tool/2.1.md')!.changes.map((c) => c.author)).toEqual(['From the kept history', 'Ada Lovelace']);
    // Three commits behind, the kept history still serves: storing it again would cost more than this log.
    expect(continued.kept).toBeUndefined();
    expect((await readWhole()).kept!.commit).toBe((await repo.git('rev-parse', 'HEAD')).trim());
    expect(comparable(await readHistory(repo.registry, nothingKnown, wanted, undefined, kept))).toEqual(comparable(await readWhole()));
  });

  it('is read whole when the kept commit is not on the first-parent line any more (history rewritten, another branch)', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1)) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(2)) });
    await repo.commit('move', '2024-02-01T00:00:00Z');
    const kept = (await readWhole()).kept!;
    // The move is undone by rewriting history: the kept history knows a version that no longer exists.
    await repo.git('reset', '-q', '--hard', 'HEAD~1');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(3)) });
    await repo.commit('move elsewhere', '2024-03-01T00:00:00Z');
    const read = await readHistory(repo.registry, nothingKnown, wanted, undefined, kept);
    expect(comparable(read)).toEqual(comparable(await readWhole()));
    // Read whole, it replaces the kept history that no longer applies.
    expect(read.kept!.commit).toBe((await repo.git('rev-parse', 'HEAD')).trim());
    expect([...read.blobs.values()].some((text) => text.includes(image(2).sha256))).toBe(false);
    // A kept commit the repository does not have at all.
    expect(comparable(await readHistory(repo.registry, nothingKnown, wanted, undefined, { ...kept, commit: 'f'.repeat(40) }))).toEqual(comparable(await readWhole()));
  });

  it('reads no text of a version whose parse is kept', async () => {
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1)) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(2)) });
    await repo.commit('move', '2024-02-01T00:00:00Z');
    const whole = await readWhole();
    const tool = whole.files.find((f) => f.path === 'lab/tool/1.0.md')!;
    const read = await readHistory(repo.registry, (blob) => blob === tool.changes[0]!.blob, (file) => file === tool.path);
    expect([...read.blobs.keys()]).toEqual([tool.changes[1]!.blob]);
  });
});
