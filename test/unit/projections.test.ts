import { describe, expect, it } from 'vitest';
import { toRankings } from '../../src/model/to-rankings.ts';
import { toTagPage } from '../../src/model/tag-page.ts';
import { enrich } from '../../src/pipeline/enrich.ts';
import { toApi } from '../../src/pipeline/to-api.ts';
import { toCollectionKeys } from '../../src/output/to-output-keys.ts';
import { toSearchRecords } from '../../src/pipeline/to-search-records.ts';
import { toSearchShards } from '../../src/pipeline/to-search-shards.ts';
import type { Site } from '../../src/model/types.ts';
import type { RegistryInput, TagInput } from '../../src/records/types.ts';
import type { TagRecord } from '../../src/schema/record.ts';
import { image } from '../helpers/git-repo.ts';

// The pure projections of the site model that the build writes: the API, the reuse keys, the
// search shards, the rankings and the tag page's view model.

function tag(collection: string, container: string, name: string, record: TagRecord): TagInput {
  const path = `${collection}/${container}/${name}.md`;
  return { collection, container, name, file: `registry/${path}`, path, blob: `blob-${path}`, record, notes: '' };
}

function registry(tags: TagInput[], description?: string): RegistryInput {
  const collections = [...new Set(tags.map((t) => t.collection))];
  const containers = [...new Set(tags.map((t) => `${t.collection}/${t.container}`))];
  return {
    display: 'registry',
    config: { name: 'T', url: 'https://lab.github.io/registry', description },
    collections: collections.map((name) => ({ name, record: {}, description: '' })),
    containers: containers.map((key) => ({ collection: key.split('/')[0]!, name: key.split('/')[1]!, record: {}, description: '' })),
    tags,
    keyFiles: [],
  };
}

const noHistory = { files: [], blobs: new Map<string, string>() };
const site = (tags: TagInput[], usage?: Parameters<typeof enrich>[2]) => enrich(registry(tags), noHistory, usage);

describe('toApi', () => {
  it('writes the registry, its index and one file per collection, linked by templates under the path prefix', () => {
    const files = toApi(site([tag('lab', 'tool', '1.0', image(1)), tag('web', 'srv', 'latest', image(2))]));
    expect(files.map((f) => f.path)).toEqual(['api/v1/registry.json', 'api/v1/collections.json', 'api/v1/collections/lab.json', 'api/v1/collections/web.json']);
    expect(files[0]!.json).toMatchObject({
      counts: { collections: 2, containers: 2, tags: 2 },
      collections: 'collections.json',
      templates: {
        tagPage: 'https://lab.github.io/registry/collections/{collection}/{container}/{tag}/',
        manifest: 'https://lab.github.io/registry/api/container/{collection}/{container}:{tag}',
        pull: 'shub://lab.github.io/registry/{collection}/{container}:{tag}@{md5}',
      },
    });
    const lab = files[2]!.json as { containers: { tags: { name: string; sha256: string; previous?: unknown[] }[] }[] };
    expect(lab.containers[0]!.tags).toMatchObject([{ name: '1.0', sha256: image(1).sha256 }]);
  });
});

describe('toCollectionKeys', () => {
  const one = [tag('lab', 'tool', '1.0', image(1)), tag('web', 'srv', '1.0', image(2))];
  const keys = toCollectionKeys(site(one), 'code-1');

  it('changes the key of the collection a record changed, and only that one', () => {
    const changed = toCollectionKeys(site([tag('lab', 'tool', '1.0', image(3)), one[1]!]), 'code-1');
    expect(changed.get('lab')).not.toBe(keys.get('lab'));
    expect(changed.get('web')).toBe(keys.get('web'));
  });

  it('changes every key when sifhub\'s code or the registry\'s settings change', () => {
    const otherCode = toCollectionKeys(site(one), 'code-2');
    expect([...otherCode.values()].some((k) => [...keys.values()].includes(k))).toBe(false);
    const otherConfig = toCollectionKeys(enrich(registry(one, 'Now described'), noHistory), 'code-1');
    expect([...otherConfig.values()].some((k) => [...keys.values()].includes(k))).toBe(false);
  });

  it('changes a collection\'s key when its usage counts change', () => {
    const counted = toCollectionKeys(site(one, { downloads: new Map([[image(1).url, 5]]), stars: new Map() }), 'code-1');
    const recounted = toCollectionKeys(site(one, { downloads: new Map([[image(1).url, 6]]), stars: new Map() }), 'code-1');
    expect(recounted.get('lab')).not.toBe(counted.get('lab'));
    expect(recounted.get('web')).toBe(counted.get('web'));
  });

  it('changes every key when the first count appears: every page\'s navigation gains Downloads', () => {
    const counted = toCollectionKeys(site(one, { downloads: new Map([[image(1).url, 5]]), stars: new Map() }), 'code-1');
    expect([...counted.values()].some((k) => [...keys.values()].includes(k))).toBe(false);
  });
});

describe('toSearchShards', () => {
  const tags = Array.from({ length: 30 }, (_, i) => tag(`c${i}`, 'tool', '1.0', image(i + 1)));
  const before = site(tags);
  const shardsOf = (s: Site, records?: number) => toSearchShards(s, toCollectionKeys(s, 'code'), 'code', records);

  it('keeps a collection in one shard, every record in exactly one, and fills shards in order', () => {
    const shards = shardsOf(before, 10);
    expect(shards.map((s) => s.index)).toEqual(shards.map((_, i) => i));
    expect(shards.flatMap((s) => s.records()).map((r) => r.url).sort()).toEqual(toSearchRecords(before).map((r) => r.url).sort());
    for (const shard of shards) expect(shard.records().length).toBeGreaterThan(0);
  });

  it('keys a shard by its collections: a change re-indexes only the shard that holds it', () => {
    const after = site([...tags.slice(1), tag('c0', 'tool', '1.0', image(99))]);
    const [old, now] = [shardsOf(before, 10), shardsOf(after, 10)];
    const moved = now.filter((s, i) => s.key !== old[i]!.key);
    expect(moved).toHaveLength(1);
    expect(moved[0]!.records().some((r) => r.url.includes('/c0/'))).toBe(true);
    // The search records say what changed: the shard's key did not miss it.
    expect(moved[0]!.records()).not.toEqual(old[moved[0]!.index]!.records());
  });

  it('is one shard for a small registry, and one empty shard for an empty one', () => {
    expect(shardsOf(before)).toHaveLength(1);
    const [empty, ...more] = shardsOf(site([]));
    expect(more).toEqual([]);
    expect(empty!.records()).toEqual([]);
  });
});

describe('toRankings', () => {
  it('ranks known counts, most first, and leaves unknown ones out rather than ranking them as 0', () => {
    const ranked = toRankings(site(
      [tag('a', 'x', '1', image(1)), tag('b', 'y', '1', image(2)), tag('c', 'z', '1', image(3))],
      { downloads: new Map([[image(1).url, 5], [image(2).url, 9]]), stars: new Map([['c', 0]]) },
    ).collections);
    expect(ranked.containersByDownloads.map((c) => `${c.name}:${c.downloads}`)).toEqual(['y:9', 'x:5']);
    expect(ranked.collectionsByStars.map((c) => `${c.name}:${c.stars}`)).toEqual(['c:0']);
  });
});

describe('toTagPage', () => {
  const definition = 'Bootstrap: docker\nFrom: alpine:3.19\n\n%runscript\n  exec tool "$@"\n%post\n  echo From: nowhere\n';
  const page = (record: TagRecord) => {
    const s = site([tag('lab', 'tool', '1.0', record)]);
    const container = s.collections[0]!.containers[0]!;
    return toTagPage(container.tags[0]!, container);
  };

  it('shows a script once: not again beside the definition file that holds it', () => {
    const p = page({ ...image(1), definition, runscript: '  exec tool "$@"\n', environment: 'export A=1\n' });
    expect(p.sections.map((s) => s.id)).toEqual(['definition', 'environment']);
  });

  it('repeats Bootstrap and From only when the definition\'s header does not state them', () => {
    expect(page({ ...image(1), definition, bootstrap: 'docker', from: 'alpine:3.19' })).toMatchObject({ bootstrap: undefined, from: undefined });
    // A From: line inside %post (here a mail header written by a heredoc) is not the header's.
    const postOnly = 'Bootstrap: localimage\n%post\n  cat > /etc/mail.txt <<EOF\nFrom: root\nEOF\n';
    expect(page({ ...image(1), definition: postOnly, bootstrap: 'localimage', from: 'base.sif' })).toMatchObject({ bootstrap: undefined, from: 'base.sif' });
    expect(page({ ...image(1), bootstrap: 'docker', from: 'alpine' })).toMatchObject({ bootstrap: 'docker', from: 'alpine' });
  });

  it('sorts labels by key and lists versions newest first', () => {
    const p = page({ ...image(1), labels: { b: '2', a: '1' } });
    expect(p.labels).toEqual([['a', '1'], ['b', '2']]);
    expect(p.reference).toBe('lab/tool:1.0');
  });
});
