import { fnv1aHex } from '../fnv1a.ts';
import { MAX_LABEL_PAGES } from '../schema/bounds.ts';
import type { CollectionEntry, ContainerEntry, LabelHolder, LabelKeyEntry } from './types.ts';

// The label index: key → values → the containers whose current images carry them ("when you
// investigate an individual label, you can see all containers in the registry that have it").
// Pure.

export function toLabelIndex(collections: readonly CollectionEntry[]): LabelKeyEntry[] {
  // key → value → the value's holders, each container once with its tags (in the order met).
  const byKey = new Map<string, Map<string, { holders: LabelHolder[]; last?: LabelHolder }>>();
  for (const collection of collections) {
    for (const container of collection.containers) {
      for (const tag of container.tags) {
        const labels = tag.record.labels;
        if (labels === undefined) continue;
        for (const key of Object.keys(labels)) {
          const value = labels[key]!;
          let values = byKey.get(key);
          if (!values) byKey.set(key, (values = new Map()));
          let held = values.get(value);
          if (!held) values.set(value, (held = { holders: [] }));
          // A container's tags are met one after another: its holder is the last one added.
          if (held.last?.container === container) held.last.tags.push(tag);
          else held.holders.push((held.last = { container, tags: [tag] }));
        }
      }
    }
  }

  const keys = [...byKey.keys()].sort(compareText);
  const slugs = toLabelSlugs(keys);
  const entries: LabelKeyEntry[] = keys.map((key) => {
    const values: LabelKeyEntry['values'] = [];
    const containers = new Set<ContainerEntry>();
    for (const [value, { holders }] of byKey.get(key)!) {
      values.push({ value, holders });
      for (const holder of holders) containers.add(holder.container);
    }
    values.sort((a, b) => b.holders.length - a.holders.length || compareText(a.value, b.value));
    return { key, slug: slugs.get(key), containerCount: containers.size, values };
  });
  // Pages are bounded: the keys the most containers carry get one, the rest a row on the Labels page.
  if (entries.length > MAX_LABEL_PAGES) {
    const unpaged = [...entries].sort((a, b) => b.containerCount - a.containerCount || compareText(a.key, b.key)).slice(MAX_LABEL_PAGES);
    for (const entry of unpaged) entry.slug = undefined;
  }
  return entries;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Label keys are free text ("E2E", "org.opencontainers.image.title", "<b>"): the slug keeps
 * lower-case a-z, 0-9, `.`, `_` and `-`, and gets a hash of the key whenever that changed
 * anything, so `E2E` and `e2e` never share a folder on a case-insensitive file system.
 */
export function toLabelSlugs(keys: readonly string[]): Map<string, string> {
  const slugs = new Map<string, string>();
  const used = new Set<string>();
  for (const key of keys) {
    const plain = key.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 60).replace(/[.-]+$/, '');
    let slug = plain === key && plain !== '' ? plain : `${plain ? `${plain}-` : ''}${fnv1aHex(key)}`;
    for (let n = 2; used.has(slug); n++) slug = `${plain || 'label'}-${fnv1aHex(key)}-${n}`;
    used.add(slug);
    slugs.set(key, slug);
  }
  return slugs;
}
