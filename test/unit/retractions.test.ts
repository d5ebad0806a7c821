import { describe, expect, it } from 'vitest';
import type { FileHistory } from '../../src/git/parse-log.ts';
import { enrich } from '../../src/pipeline/enrich.ts';
import { toManifests } from '../../src/pipeline/to-manifests.ts';
import { toSearchRecords } from '../../src/pipeline/to-search-records.ts';
import { retractedSummary } from '../../src/model/retracted.ts';
import { checkRecord } from '../../src/records/check-record.ts';
import type { ContainerRecord, TagRecord } from '../../src/schema/record.ts';
import type { RegistryInput, TagInput } from '../../src/records/types.ts';
import { image, tagRecord } from '../helpers/git-repo.ts';

// Yanking and withdrawing, as npm, PyPI and crates.io do: what the shub clients can still pull
// (DESIGN §3 manifests), and what the model says about each version for the pages.

function tag(name: string, record: TagRecord, blob = `blob-${name}`): TagInput {
  return { collection: 'lab', container: 'tool', name, file: `registry/lab/tool/${name}.md`, path: `lab/tool/${name}.md`, blob, record, notes: '' };
}

function registry(tags: TagInput[], readme: ContainerRecord = {}, readmeBlob?: string): RegistryInput {
  return {
    display: 'registry',
    config: { name: 'T', url: 'https://registry.example.org' },
    collections: [{ name: 'lab', record: {}, description: '' }],
    containers: [{ collection: 'lab', name: 'tool', record: readme, description: '', blob: readmeBlob }],
    tags,
    keyFiles: [],
  };
}

const change = (commit: string, date: string, blob: string | null) => ({ commit, date, author: 'Ada', blob });
const paths = (input: RegistryInput, history: { files: FileHistory[]; blobs: Map<string, string> } = { files: [], blobs: new Map() }) =>
  toManifests(enrich(input, history)).files.map((f) => f.path).sort();

describe('listings of retracted images', () => {
  it('say the last change yanked or withdrew the image, and leave withdrawn bytes out of every total', () => {
    const [kept, yanked, withdrawn] = [image(1), image(2), image(3)];
    const history: FileHistory[] = [
      { path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'blob-1.0')] },
      { path: 'lab/tool/2.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'old-2.0'), change('c2', '2024-05-01T00:00:00Z', 'blob-2.0')] },
      { path: 'lab/tool/3.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'old-3.0'), change('c3', '2024-06-01T00:00:00Z', 'blob-3.0')] },
    ];
    const blobs = new Map([['old-2.0', tagRecord(yanked)], ['old-3.0', tagRecord(withdrawn)]]);
    const site = enrich(registry([tag('1.0', kept), tag('2.0', { ...yanked, yanked: 'Wrong genome.' }), tag('3.0', { ...withdrawn, withdrawn: 'Leaked a key.' })]), { files: history, blobs });
    const tags = site.collections[0]!.containers[0]!.tags;
    expect(Object.fromEntries(tags.map((t) => [t.name, t.lastChange]))).toEqual({ '1.0': 'added', '2.0': 'yanked', '3.0': 'withdrawn' });
    expect(site.counts.bytes).toBe(kept.size + yanked.size);
    expect(site.collections[0]!.bytes).toBe(kept.size + yanked.size);
    expect(site.collections[0]!.containers[0]!.bytes).toBe(kept.size + yanked.size);
    // Search results and the tables that count a container's tags say how many are taken back.
    expect(retractedSummary(tags)).toBe('1 yanked · 1 withdrawn');
    expect(toSearchRecords(site)[0]!.meta.retracted).toBe('1 yanked · 1 withdrawn');
  });
});

describe('a yanked tag', () => {
  it('no longer resolves by tag or as latest, and still pulls by its exact pin', () => {
    const [old, now] = [image(1), image(2)];
    const history: FileHistory[] = [
      { path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'blob-1.0')] },
      { path: 'lab/tool/2.0.md', changes: [change('c2', '2024-05-01T00:00:00Z', 'blob-2.0')] },
    ];
    const input = registry([tag('1.0', old), tag('2.0', { ...now, yanked: 'Built against the wrong reference genome.' })]);
    const manifests = toManifests(enrich(input, { files: history, blobs: new Map() })).files;
    const byPath = new Map(manifests.map((f) => [f.path, f.manifest]));
    expect(byPath.has('api/container/lab/tool:2.0')).toBe(false);
    expect(byPath.get(`api/container/lab/tool:2.0@${now.md5}`)).toMatchObject({ commit: now.sha256 });
    expect(byPath.get(`api/container/lab/tool@${now.md5}`)).toMatchObject({ commit: now.sha256 });
    // latest: the most recently updated tag that is not yanked.
    expect(byPath.get('api/container/lab/tool:latest')).toMatchObject({ tag: '1.0', commit: old.sha256 });
  });

  it('named latest leaves name:latest unresolved rather than pick another image', () => {
    const img = image(1);
    expect(paths(registry([tag('latest', { ...img, yanked: 'Broken.' }), tag('1.0', image(2))]))).not.toContain('api/container/lab/tool:latest');
  });
});

describe('a withdrawn image', () => {
  it('has no manifest in any form, also through another tag on the same image', () => {
    const [bad, good] = [image(1), image(2)];
    const all = paths(registry([tag('1.0', { ...bad, withdrawn: 'Ships a cryptominer.' }), tag('copy', bad), tag('2.0', good)]));
    expect(all.filter((p) => p.includes(bad.md5) || p.endsWith(':1.0') || p.endsWith(':copy'))).toEqual([]);
    expect(all).toContain('api/container/lab/tool:2.0');
  });

  it('in a tag\'s history, listed in the container README, loses its pins; a yanked one keeps them', () => {
    const [a, b, c] = [image(1), image(2), image(3)];
    const history: FileHistory[] = [
      { path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', 'b2'), change('c3', '2024-03-01T00:00:00Z', 'now')] },
      { path: 'lab/tool/README.md', changes: [change('c4', '2024-04-01T00:00:00Z', 'readme')] },
    ];
    const blobs = new Map([['b1', tagRecord(a)], ['b2', tagRecord(b)]]);
    const readme: ContainerRecord = { withdrawn: [{ sha256: a.sha256, reason: 'Unlicensed data inside.' }], yanked: [{ sha256: b.sha256, reason: 'Slow.' }] };
    const site = enrich(registry([tag('1.0', c, 'now')], readme, 'readme'), { files: history, blobs });
    const all = toManifests(site).files.map((f) => f.path);
    expect(all.filter((p) => p.includes(a.md5))).toEqual([]);
    expect(all).toContain(`api/container/lab/tool:1.0@${b.md5}`);
    expect(all).toContain(`api/container/lab/tool@${b.md5}`);
    expect(site.collections[0]!.containers[0]!.tags[0]!.versions.map((v) => v.retraction)).toEqual([
      { kind: 'withdrawn', reason: 'Unlicensed data inside.', date: '2024-04-01T00:00:00Z' },
      { kind: 'yanked', reason: 'Slow.', date: '2024-04-01T00:00:00Z' },
      undefined,
    ]);
  });

  it('of a deleted tag loses its pins too', () => {
    const [gone, keep] = [image(1), image(5)];
    const history: FileHistory[] = [{ path: 'lab/tool/old.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', null)] }];
    const readme: ContainerRecord = { withdrawn: [{ sha256: gone.sha256, reason: 'Malicious.' }] };
    const all = paths(registry([tag('1.0', keep)], readme), { files: history, blobs: new Map([['b1', tagRecord(gone)]]) });
    expect(all.filter((p) => p.includes(gone.md5))).toEqual([]);
  });
});

describe('when an image was taken back', () => {
  it('dates it from the commit whose record first said so, through later edits of the reason', () => {
    const img = image(1);
    const history: FileHistory[] = [
      {
        path: 'lab/tool/1.0.md',
        changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', 'b2'), change('c3', '2024-03-01T00:00:00Z', 'now')],
      },
    ];
    const blobs = new Map([['b1', tagRecord(img)], ['b2', tagRecord(img, 'yanked: Broken.\n')]]);
    const site = enrich(registry([tag('1.0', { ...img, yanked: 'Broken: segfaults on start.' }, 'now')]), { files: history, blobs });
    expect(site.collections[0]!.containers[0]!.tags[0]!.current.retraction).toEqual({ kind: 'yanked', reason: 'Broken: segfaults on start.', date: '2024-02-01T00:00:00Z' });
  });

  it('leaves it undated while the change is not committed', () => {
    const img = image(1);
    const history: FileHistory[] = [{ path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1')] }];
    const site = enrich(registry([tag('1.0', { ...img, withdrawn: 'Oops.' }, 'edited')]), { files: history, blobs: new Map([['b1', tagRecord(img)]]) });
    expect(site.collections[0]!.containers[0]!.tags[0]!.current.retraction).toEqual({ kind: 'withdrawn', reason: 'Oops.' });
  });
});

describe('the record', () => {
  it('is either yanked or withdrawn, with a reason', () => {
    const both = checkRecord({ display: 'registry/lab/tool/1.0.md', text: tagRecord(image(1), 'yanked: a\nwithdrawn: b\n') }, 'tag');
    expect(both.ok ? [] : both.problems.map((p) => `${p.field}:${p.line}: ${p.message}`)).toEqual([
      'yanked:6: an image is either yanked (still pullable by its pin) or withdrawn (not served at all), not both: keep withdrawn',
    ]);
    const empty = checkRecord({ display: 'registry/lab/tool/1.0.md', text: tagRecord(image(1), 'withdrawn: ""\n') }, 'tag');
    expect(empty.ok ? [] : empty.problems.map((p) => p.field)).toEqual(['withdrawn']);
  });
});
