import { describe, expect, it } from 'vitest';
import { enrich } from '../../src/pipeline/enrich.ts';
import type { FileHistory } from '../../src/git/parse-log.ts';
import { toManifests } from '../../src/pipeline/to-manifests.ts';
import type { RegistryInput, TagInput } from '../../src/records/types.ts';
import { image, tagRecord, type Image } from '../helpers/git-repo.ts';

const config = { name: 'T', url: 'https://registry.example.org' };

function tag(name: string, img: Image, blob = `blob-${name}`): TagInput {
  return { collection: 'lab', container: 'tool', name, file: `registry/lab/tool/${name}.md`, path: `lab/tool/${name}.md`, blob, record: img, notes: '' };
}

function registry(tags: TagInput[], latest?: 'newest' | 'none'): RegistryInput {
  return {
    display: 'registry',
    config: { ...config, latest },
    collections: [{ name: 'lab', record: {}, description: '' }],
    containers: [{ collection: 'lab', name: 'tool', record: {}, description: '' }],
    tags,
    keyFiles: [],
  };
}

const change = (commit: string, date: string, blob: string | null) => ({ commit, date, author: 'Ada', blob });

describe('toManifests', () => {
  it('writes name:tag, name:tag@md5 and name@md5 with every field the clients read', () => {
    const img = image(1);
    const site = enrich(registry([tag('latest', img)]), { files: [], blobs: new Map() });
    const { files, problems } = toManifests(site);
    expect(problems).toEqual([]);
    expect(files.map((f) => f.path).sort()).toEqual([
      `api/container/lab/tool:latest`,
      `api/container/lab/tool:latest@${img.md5}`,
      `api/container/lab/tool@${img.md5}`,
    ]);
    expect(files[0]!.manifest).toEqual({
      image: img.url,
      name: 'tool',
      tag: 'latest',
      branch: 'latest',
      version: img.md5,
      commit: img.sha256,
      size_mb: 0,
      metrics: {},
      collection: 'lab',
    });
  });

  it('keeps @md5 manifests for every older version of a moved tag', () => {
    const [a, b, c] = [image(1), image(2), image(3)];
    const history: FileHistory[] = [
      { path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', 'b2'), change('c3', '2024-03-01T00:00:00Z', 'now')] },
    ];
    const blobs = new Map([['b1', tagRecord(a)], ['b2', tagRecord(b)]]);
    const site = enrich(registry([tag('1.0', c, 'now')]), { files: history, blobs });
    const entry = site.collections[0]!.containers[0]!.tags[0]!;
    expect(entry.versions.map((v) => [v.md5, v.commit])).toEqual([[a.md5, 'c1'], [b.md5, 'c2'], [c.md5, 'c3']]);
    expect(entry.uncommitted).toBe(false);
    const paths = toManifests(site).files.map((f) => f.path);
    for (const v of [a, b, c]) {
      expect(paths).toContain(`api/container/lab/tool@${v.md5}`);
      expect(paths).toContain(`api/container/lab/tool:1.0@${v.md5}`);
    }
    const pinnedOld = toManifests(site).files.find((f) => f.path === `api/container/lab/tool:1.0@${a.md5}`)!;
    expect(pinnedOld.manifest).toMatchObject({ image: a.url, commit: a.sha256, version: a.md5, tag: '1.0' });
  });

  it('keeps @md5 manifests of a deleted tag, and not its :tag manifest', () => {
    const [a, keep] = [image(1), image(5)];
    const history: FileHistory[] = [{ path: 'lab/tool/old.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', null)] }];
    const site = enrich(registry([tag('1.0', keep)]), { files: history, blobs: new Map([['b1', tagRecord(a)]]) });
    const paths = toManifests(site).files.map((f) => f.path);
    expect(paths).toContain(`api/container/lab/tool@${a.md5}`);
    expect(paths).toContain(`api/container/lab/tool:old@${a.md5}`);
    expect(paths).not.toContain('api/container/lab/tool:old');
    expect(site.removed.map((r) => r.file)).toEqual(['registry/lab/tool/old.md (deleted)']);
  });

  it('resolves name:latest to the most recently updated tag when there is no latest tag', () => {
    const history: FileHistory[] = [
      { path: 'lab/tool/2.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'blob-2.0')] },
      { path: 'lab/tool/1.0.md', changes: [change('c2', '2024-05-01T00:00:00Z', 'blob-1.0')] },
    ];
    const site = enrich(registry([tag('1.0', image(1)), tag('2.0', image(2))]), { files: history, blobs: new Map() });
    const latest = toManifests(site).files.find((f) => f.path === 'api/container/lab/tool:latest');
    expect(latest?.manifest).toMatchObject({ tag: '1.0', version: image(1).md5 });
    expect(site.recent.map((t) => t.name)).toEqual(['1.0', '2.0']);
  });

  it('writes no name:latest when registry.yml says latest: none', () => {
    const site = enrich(registry([tag('1.0', image(1))], 'none'), { files: [], blobs: new Map() });
    expect(toManifests(site).files.map((f) => f.path)).not.toContain('api/container/lab/tool:latest');
  });

  it('lets two tags share one image but refuses two images behind one md5', () => {
    const img = image(1);
    const same = enrich(registry([tag('1.0', img), tag('latest', img)]), { files: [], blobs: new Map() });
    expect(toManifests(same).problems).toEqual([]);

    const liar = { ...image(2), md5: img.md5 };
    const clash = enrich(registry([tag('1.0', img), tag('2.0', liar)]), { files: [], blobs: new Map() });
    expect(toManifests(clash).problems.map((p) => `${p.file}: ${p.message}`)).toMatchInlineSnapshot(`
      [
        "registry/lab/tool/1.0.md: api/container/lab/tool@1eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee would serve image 1eeeeeeeeeee…, but registry/lab/tool/2.0.md already makes it serve 2eeeeeeeeeee…: two different images with md5 1eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
      ]
    `);
  });
});
