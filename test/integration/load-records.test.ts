import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shareLink } from '../../src/commands/share/share-link.ts';
import { EnvironmentError } from '../../src/errors.ts';
import { unchangedBlobs } from '../../src/git/unchanged-blobs.ts';
import { runCache } from '../../src/output/content-cache-fs.ts';
import { loadRecords, readRecord } from '../../src/records/load-records-fs.ts';
import { gitBlobId } from '../../src/records/read-registry-fs.ts';
import { checkTagRecordsAside } from '../../src/records/check-records-aside-node.ts';
import { checkRecord } from '../../src/records/check-record.ts';
import { checkRegistry } from '../../src/records/check-registry.ts';
import { image, REGISTRY_YML, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// One record read from disk (share reads its tag and registry.yml this way): what a missing,
// unreadable or invalid file gives. And every record, where git says which are unchanged.

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

async function registry(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-records-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

describe('readRecord', () => {
  it('reads and checks one record, and is undefined for a file that does not exist', async () => {
    const root = await registry({ 'lab/tool/1.0.md': tagRecord(image(1)) });
    expect((await readRecord(root, 'lab/tool/1.0.md', 'tag'))?.checked).toMatchObject({ ok: true, data: image(1) });
    expect(await readRecord(root, 'lab/tool/2.0.md', 'tag')).toBeUndefined();
  });

  it('names a file that exists but cannot be read, as an environment problem', async () => {
    const root = await registry({ 'registry.yml/x': '' });
    const error = await readRecord(root, 'registry.yml', 'config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/^cannot read .*registry\.yml: EISDIR/);
  });
});

describe('shareLink before it signs anything', () => {
  const reference = { collection: 'lab', container: 'tool', tag: '1.0' };
  const share = (root: string) => shareLink({ registryDir: root, reference, expiresIn: 60, env: {} }).then(() => 'signed', (e: Error) => e.message.replace(root, 'REGISTRY'));

  it('says which file to fix: a missing tag, an invalid tag, an invalid registry.yml', async () => {
    expect(await share(await registry({ 'registry.yml': 'name: T\nurl: https://r.example.org\n' }))).toBe('there is no tag lab/tool:1.0 (no REGISTRY/lab/tool/1.0.md)');
    await rm(dir, { recursive: true });
    expect(await share(await registry({ 'lab/tool/1.0.md': '---\nurl: x\n---\n' }))).toMatch(/lab\/tool\/1\.0\.md is not a valid tag record; run `sifhub validate`$/);
    await rm(dir, { recursive: true });
    expect(await share(await registry({ 'lab/tool/1.0.md': tagRecord(image(1)), 'registry.yml': 'name: T\n' }))).toMatch(/registry\.yml is not valid; run `sifhub validate`$/);
  });
});

describe('records git says are unchanged', () => {
  let repo: TempRepo;
  afterEach(() => repo?.dispose());

  it('are the tracked files whose working copy matches the index, by the blob id a read would give', async () => {
    repo = await TempRepo.create();
    await repo.write({
      'registry/registry.yml': REGISTRY_YML,
      'registry/lab/tool/1.0.md': tagRecord(image(1)),
      'registry/lab/tool/2.0.md': tagRecord(image(2)),
      'registry/lab/tool/3.0.md': tagRecord(image(3)),
      'registry/lab/old/1.0.md': tagRecord(image(4)),
      'registry/lab/hidden/1.0.md': tagRecord(image(8)),
      'registry/lab/sparse/1.0.md': tagRecord(image(9)),
      'outside.md': 'not in the registry',
    });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    await repo.write({ 'registry/lab/tool/2.0.md': tagRecord(image(5)), 'registry/lab/tool/4.0.md': tagRecord(image(6)) });
    await repo.git('add', 'registry/lab/tool/3.0.md');
    await repo.write({ 'registry/lab/tool/3.0.md': tagRecord(image(7)) });
    await repo.git('mv', 'registry/lab/old/1.0.md', 'registry/lab/old/1.1.md');
    // Edited behind flags that make git status look away.
    await repo.git('update-index', '--assume-unchanged', 'registry/lab/hidden/1.0.md');
    await repo.git('update-index', '--skip-worktree', 'registry/lab/sparse/1.0.md');
    await repo.write({ 'registry/lab/hidden/1.0.md': tagRecord(image(10)), 'registry/lab/sparse/1.0.md': tagRecord(image(11)) });
    const blobs = await unchangedBlobs(path.join(repo.dir, 'registry'));
    // Edited (2.0), staged then edited again (3.0), untracked (4.0), renamed (old/1.0 → 1.1), and
    // the flagged ones (hidden, sparse) are not.
    expect([...blobs.keys()].sort()).toEqual(['lab/tool/1.0.md', 'registry.yml']);
    expect(blobs.get('lab/tool/1.0.md')).toBe(gitBlobId(Buffer.from(tagRecord(image(1)))));
  });

  it('are not read again when their parse is kept, and give the same records', async () => {
    repo = await TempRepo.create();
    await repo.write({ 'registry/registry.yml': REGISTRY_YML, 'registry/lab/tool/1.0.md': tagRecord(image(1)), 'registry/lab/tool/2.0.md': tagRecord(image(2)) });
    await repo.commit('add', '2024-01-01T00:00:00Z');
    const registryDir = path.join(repo.dir, 'registry');
    const cache = runCache();
    const first = await loadRecords(registryDir, { cache });
    await repo.write({ 'registry/lab/tool/2.0.md': tagRecord(image(3)) });
    const second = await loadRecords(registryDir, { cache });
    const unread = second.files.files.filter((f) => Object.getOwnPropertyDescriptor(f, 'text')?.get !== undefined).map((f) => f.path);
    expect(unread).toEqual(['lab/tool/1.0.md']);
    expect(second.checked).toMatchObject({ ok: true });
    const tags = (loaded: typeof first) => (loaded.checked.ok ? loaded.checked.registry.tags.map((t) => [t.path, t.blob, t.record.sha256]) : []);
    expect(tags(second)).toEqual([tags(first)[0], ['lab/tool/2.0.md', gitBlobId(Buffer.from(tagRecord(image(3)))), image(3).sha256]]);
    // Asked for, the text is the file's.
    expect(second.files.files.find((f) => f.path === 'lab/tool/1.0.md')!.text).toBe(tagRecord(image(1)));
  });
});

describe('the paths problems are reported at', () => {
  it('are relative to the working directory inside it, and absolute outside it', async () => {
    const root = await registry({ 'registry.yml': REGISTRY_YML, 'lab/tool/1.0.md': 'not a record' });
    const inside = path.join(root, 'inside');
    await mkdir(inside);
    await writeFile(path.join(inside, 'registry.yml'), REGISTRY_YML);
    const files = (loaded: Awaited<ReturnType<typeof loadRecords>>) => loaded.files.files.map((f) => f.display);
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(files(await loadRecords('.'))).toEqual(['inside/registry.yml', 'lab/tool/1.0.md', 'registry.yml']);
      expect(files(await loadRecords('inside'))).toEqual(['inside/registry.yml']);
      process.chdir(inside);
      expect(files(await loadRecords('..'))).toEqual([path.join(root, 'inside/registry.yml'), path.join(root, 'lab/tool/1.0.md'), path.join(root, 'registry.yml')].map((p) => p.split(path.sep).join('/')));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('many tag records', () => {
  it('are checked on two cores with the same answers, and problems in the same order, as on one', async () => {
    const records: Record<string, string> = { 'registry.yml': REGISTRY_YML };
    for (let i = 0; i < 1100; i++) records[`lab/tool-${String(i).padStart(4, '0')}/1.0.md`] = i === 10 || i === 1050 ? '---\nurl: http://plain.example/x.sif\n---\n' : tagRecord(image(i + 1));
    const root = await registry(records);
    const loaded = await loadRecords(root);
    const read = loaded.files.files;
    const aside = await checkTagRecordsAside(read);
    // Both halves answered: the worker's too.
    expect(aside.size).toBe(1100);
    for (const file of read.filter((f) => f.path.endsWith('1.0.md'))) {
      const direct = checkRecord(file, 'tag');
      // A parse exactly (no property lost or added on the way back); a problem the same when printed (a `line` of undefined is no line).
      if (direct.ok) expect(aside.get(file.path)).toStrictEqual(direct);
      else expect(aside.get(file.path)).toEqual(direct);
    }
    expect(loaded.checked).toEqual(checkRegistry(read, loaded.files.problems, loaded.files.display));
    expect(loaded.checked.ok).toBe(false);
    // The broken records, one in each half, reported in the files' order.
    const files = !loaded.checked.ok ? loaded.checked.problems.map((p) => p.file) : [];
    const at = (name: string) => files.findIndex((f) => f.endsWith(`/lab/${name}/1.0.md`));
    expect(at('tool-0010')).toBeGreaterThanOrEqual(0);
    expect(at('tool-1050')).toBeGreaterThan(at('tool-0010'));
  });
});
