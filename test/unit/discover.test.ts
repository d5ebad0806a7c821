import { describe, expect, it } from 'vitest';
import { enrich } from '../../src/pipeline/enrich.ts';
import type { Usage } from '../../src/model/types.ts';
import { toLabelSlugs } from '../../src/model/to-labels.ts';
import { MAX_LABEL_PAGES } from '../../src/schema/bounds.ts';
import { toSearchRecords } from '../../src/pipeline/to-search-records.ts';
import { toTreemapData } from '../../src/model/sizes-page.ts';
import type { RegistryInput, TagInput } from '../../src/records/types.ts';
import type { TagRecord } from '../../src/schema/record.ts';
import { layoutTreemap } from '../../src/model/treemap.ts';
import { image } from '../helpers/git-repo.ts';

// The discovery projections of the site model: labels, topics, search records, usage counts,
// the treemap layout.

function tag(collection: string, container: string, name: string, record: TagRecord): TagInput {
  const path = `${collection}/${container}/${name}.md`;
  return { collection, container, name, file: `registry/${path}`, path, blob: `blob-${path}`, record, notes: '' };
}

const bio = { ...image(1), size: 3000, labels: { maintainer: 'Ada', E2E: 'yes' }, architecture: 'amd64', bootstrap: 'docker', from: 'ubuntu:22.04', definition: 'Bootstrap: docker\nFrom: ubuntu:22.04\n%post\n  apt-get install samtools\n', help: 'Aligns reads.', apps: { index: { help: 'Builds the index.' } } };
const bioOld = { ...image(2), size: 1000, labels: { maintainer: 'Ada' }, architecture: 'amd64', os: { id: 'rocky', versionId: '9' }, bootstrap: 'docker', from: 'ubuntu:20.04' };
const web = { ...image(3), size: 1000, labels: { maintainer: 'Grace', e2e: 'no', '<b>': 'x' }, architecture: 'arm64', bootstrap: 'localimage', from: 'base.sif' };

const input: RegistryInput = {
  display: 'registry',
  config: { name: 'T', url: 'https://lab.github.io/registry' },
  collections: [
    { name: 'lab', record: { summary: 'The lab', topics: ['genomics'] }, description: '' },
    { name: 'web', record: {}, description: '' },
  ],
  containers: [
    { collection: 'lab', name: 'aligner', record: { summary: 'Aligns', topics: ['alignment'] }, description: 'Uses **BWA** &amp; friends' },
    { collection: 'web', name: 'server', record: {}, description: '' },
  ],
  tags: [
    tag('lab', 'aligner', '2.0', bio),
    tag('lab', 'aligner', 'latest', bio), // the same image as 2.0
    tag('lab', 'aligner', '1.0', bioOld),
    tag('web', 'server', '1.0', web),
  ],
  keyFiles: [],
};

const site = enrich(input, { files: [], blobs: new Map() });
const aligner = site.collections[0]!.containers[0]!;

describe('label index', () => {
  it('lists each key with its values and the containers and tags carrying them', () => {
    const maintainer = site.labels.find((l) => l.key === 'maintainer')!;
    expect(maintainer.containerCount).toBe(2);
    expect(maintainer.values.map((v) => [v.value, v.holders.map((h) => `${h.container.collection}/${h.container.name} ${h.tags.map((t) => t.name).join(',')}`)])).toEqual([
      ['Ada', ['lab/aligner latest,2.0,1.0']],
      ['Grace', ['web/server 1.0']],
    ]);
  });

  it('gives keys safe, distinct slugs, also for keys differing only in case', () => {
    expect(Object.fromEntries(site.labels.map((l) => [l.key, l.slug]))).toEqual({
      '<b>': expect.stringMatching(/^b-[0-9a-f]{8}$/),
      e2e: 'e2e',
      E2E: expect.stringMatching(/^e2e-[0-9a-f]{8}$/),
      maintainer: 'maintainer',
    });
    const slugs = toLabelSlugs(['org.example.title', '../../etc', '', '...', 'a'.repeat(300), 'ünïcode key']);
    for (const slug of slugs.values()) expect(slug).toMatch(/^[a-z0-9][a-z0-9._-]{0,80}$/);
    expect(new Set(slugs.values()).size).toBe(6);
    expect(slugs.get('org.example.title')).toBe('org.example.title');
  });
});

describe('label pages', () => {
  it('gives pages to the MAX_LABEL_PAGES keys the most containers carry, and lists the rest without', () => {
    // Fifteen containers share "common"; one container brings MAX_LABEL_PAGES other keys of its own.
    const many = Object.fromEntries(Array.from({ length: MAX_LABEL_PAGES }, (_, i) => [`k${String(i).padStart(5, '0')}`, 'v']));
    const tags = Array.from({ length: 15 }, (_, i) => tag('lab', `tool${i}`, '1.0', { ...image(100 + i), labels: { common: 'yes' } }));
    tags.push(tag('lab', 'spam', '1.0', { ...image(200), labels: many }));
    const containers = tags.map((t) => ({ collection: 'lab', name: t.container, record: {}, description: '' }));
    const labelled = enrich({ ...input, collections: [{ name: 'lab', record: {}, description: '' }], containers, tags }, { files: [], blobs: new Map() });
    const withPage = labelled.labels.filter((l) => l.slug !== undefined);
    expect(labelled.labels).toHaveLength(MAX_LABEL_PAGES + 1);
    expect(withPage).toHaveLength(MAX_LABEL_PAGES);
    expect(withPage.map((l) => l.key)).toContain('common');
    expect(labelled.labels.find((l) => l.slug === undefined)?.key).toBe(`k${String(MAX_LABEL_PAGES - 1).padStart(5, '0')}`);
    expect(labelled.labelSlugs.size).toBe(MAX_LABEL_PAGES);
  });
});

describe('topics', () => {
  it('adds the base OS of every tag to its container, os-release first', () => {
    expect(aligner.tags.map((t) => [t.name, t.baseOs])).toEqual([['latest', 'ubuntu'], ['2.0', 'ubuntu'], ['1.0', 'rocky']]);
    expect(aligner.topics).toEqual(['alignment', 'ubuntu', 'rocky']);
    expect(site.collections[1]!.containers[0]!.topics).toEqual([]); // localimage: no base OS
  });

  it('lists collections and containers per topic and marks base-OS topics', () => {
    expect(site.topics.map((t) => [t.topic, t.collections.map((c) => c.name), t.containers.map((c) => c.name), t.baseOs])).toEqual([
      ['alignment', [], ['aligner'], false],
      ['genomics', ['lab'], [], false],
      ['rocky', [], ['aligner'], true],
      ['ubuntu', [], ['aligner'], true],
    ]);
  });
});

describe('sizes', () => {
  it('counts an image shared by two tags once', () => {
    expect(aligner.bytes).toBe(4000);
    expect(site.counts.bytes).toBe(5000);
  });

  it('lays out areas in proportion to bytes, and a zoomed collection over the whole drawing', () => {
    const collections = [
      { name: 'a', href: '/a/', bytes: 6, size: '6 B', containers: [{ name: 'x', href: '/a/x/', bytes: 4, size: '4 B', tags: 1 }, { name: 'y', href: '/a/y/', bytes: 2, size: '2 B', tags: 3 }] },
      { name: 'b', href: '/b/', bytes: 1, size: '1 B', containers: [{ name: 'z', href: '/b/z/', bytes: 1, size: '1 B', tags: 1 }, { name: 'empty', href: '/b/e/', bytes: 0, size: '0 B', tags: 0 }] },
    ];
    const cells = layoutTreemap(collections);
    expect(cells.map((c) => `${c.kind} ${c.label}`)).toEqual(['collection a', 'container a/x', 'container a/y', 'collection b', 'container b/z']);
    const area = (label: string) => {
      const c = cells.find((cell) => cell.label === label)!;
      return c.width * c.height;
    };
    expect(area('a/x') / area('a/y')).toBeCloseTo(2, 6);
    expect(area('a/x') / area('b/z')).toBeGreaterThan(3); // title bars take some room across collections
    expect(cells.find((c) => c.label === 'a/y')!.description).toBe('a/y: 2 B, 3 tags');

    const zoomed = layoutTreemap(collections, 'a');
    expect(zoomed.map((c) => c.label)).toEqual(['a', 'a/x', 'a/y']);
    expect(zoomed[0]!.width).toBeGreaterThan(990);
  });

  it('does not draw containers too small to see, until their collection is zoomed into', () => {
    const tiny = Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, href: `/b/t${i}/`, bytes: 1, size: '1 B', tags: 1 }));
    const collections = [
      { name: 'a', href: '/a/', bytes: 1e7, size: '10 MB', containers: [{ name: 'x', href: '/a/x/', bytes: 1e7, size: '10 MB', tags: 1 }] },
      { name: 'b', href: '/b/', bytes: 2000, size: '2 kB', containers: tiny },
    ];
    const cells = layoutTreemap(collections);
    expect(cells.map((c) => c.label)).toEqual(['a', 'a/x', 'b']); // b's frame, to zoom into
    expect(layoutTreemap(collections, 'b')).toHaveLength(2001);
  });

  it('draws at most the 500 largest containers of a crowded overview, and every one of a zoomed collection', () => {
    const collections = Array.from({ length: 30 }, (_, c) => {
      const containers = Array.from({ length: 100 }, (_, i) => ({ name: `t${i}`, href: `/c${c}/t${i}/`, bytes: 1000 + c * 100 + i, size: '1 kB', tags: 1 }));
      return { name: `c${c}`, href: `/c${c}/`, bytes: containers.reduce((n, x) => n + x.bytes, 0), size: '', containers };
    });
    const overview = layoutTreemap(collections).filter((cell) => cell.kind === 'container');
    expect(overview.length).toBeLessThanOrEqual(500);
    expect(overview.length).toBeGreaterThan(400);
    const smallest = Math.min(...overview.map((cell) => cell.bytes));
    expect(collections.flatMap((c) => c.containers).filter((x) => x.bytes > smallest + 100).length).toBeLessThan(500);
    expect(layoutTreemap(collections, 'c29').filter((cell) => cell.kind === 'container')).toHaveLength(100);
  });

  it('draws at most the 150 largest collections of a crowded overview', () => {
    const collections = Array.from({ length: 600 }, (_, c) => ({
      name: `c${c}`, href: `/c${c}/`, bytes: 1000 + c, size: '', containers: [{ name: 'x', href: `/c${c}/x/`, bytes: 1000 + c, size: '', tags: 1 }],
    }));
    const drawn = layoutTreemap(collections).filter((cell) => cell.kind === 'collection').map((cell) => Number(cell.label.slice(1)));
    expect(drawn).toHaveLength(150);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(440); // the largest, give or take the layout's rounding
  });

  it('projects the site with links under the path prefix', () => {
    expect(toTreemapData(site)[0]).toMatchObject({ name: 'lab', href: '/registry/collections/lab/', bytes: 4000, containers: [{ name: 'aligner', href: '/registry/collections/lab/aligner/', tags: 3 }] });
  });
});

describe('search records', () => {
  const [record] = toSearchRecords(site);

  it('holds one record per container with the words people search for', () => {
    expect(toSearchRecords(site)).toHaveLength(2);
    expect(record!.url).toBe('/registry/collections/lab/aligner/');
    for (const words of ['lab/aligner', 'aligner:2.0', 'Aligns', 'Uses BWA & friends', 'maintainer Ada', 'apt-get install samtools', 'Aligns reads.', 'app index', 'Builds the index.']) {
      expect(record!.content).toContain(words);
    }
    // The shared image is indexed once.
    expect(record!.content.match(/samtools/g)).toHaveLength(1);
  });

  it('offers the filters and the result fields', () => {
    expect(record!.filters).toEqual({ collection: ['lab'], topic: ['alignment', 'ubuntu', 'rocky', 'genomics'], label: ['E2E', 'maintainer'], architecture: ['amd64'], os: ['rocky', 'ubuntu'], signed: [] });
    expect(record!.meta).toEqual({ title: 'lab/aligner', summary: 'Aligns', latest: 'latest', size: '3.91 KiB', tags: '3 tags', retracted: '' });
  });
});

describe('usage counts', () => {
  it('are null when unknown, and summed over distinct images when known', () => {
    expect(aligner.tags[0]!.downloads).toBeNull();
    expect(site.collections[0]!.stars).toBeNull();
    const usage: Usage = { downloads: new Map([[bio.url, 7], [bioOld.url, 3]]), stars: new Map([['lab', 0]]) };
    const counted = enrich(input, { files: [], blobs: new Map() }, usage);
    const container = counted.collections[0]!.containers[0]!;
    expect(container.tags.map((t) => t.downloads)).toEqual([7, 7, 3]);
    expect(container.downloads).toBe(10);
    expect(counted.collections[0]!.stars).toBe(0); // a real zero stays zero
    expect(counted.collections[1]!.stars).toBeNull();
    expect(counted.collections[1]!.containers[0]!.downloads).toBeNull();
  });
});
