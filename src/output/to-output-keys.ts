import { createHash } from 'node:crypto';
import { usageNavigation } from '../model/to-rankings.ts';
import type { Site } from '../model/types.ts';

// What a collection's output depends on, as one hash: its pages (collection, containers, tags),
// its shub manifests and its API file are a function of the collection's entries (with their
// history and usage counts), the tags it lost (their versions stay pullable), the slugs of its
// label keys, the registry's configuration, which usage pages the navigation offers, and
// sifhub's own code. A rebuild reuses the output of
// every collection whose key is unchanged (a one-record change must not cost a build).

export function toCollectionKeys(site: Site, codeFingerprint: string): Map<string, string> {
  const removedByCollection = new Map<string, unknown[]>();
  for (const removed of site.removed) {
    const list = removedByCollection.get(removed.collection) ?? [];
    list.push(removed);
    removedByCollection.set(removed.collection, list);
  }
  const keys = new Map<string, string>();
  const shared = JSON.stringify({ codeFingerprint, config: site.config, navigation: usageNavigation(site.rankings) });
  for (const collection of site.collections) {
    const labelKeys = new Set(collection.containers.flatMap((n) => n.tags.flatMap((t) => Object.keys(t.record.labels ?? {}))));
    const slugs = [...labelKeys].sort().map((key) => [key, site.labelSlugs.get(key)]);
    const hash = createHash('sha256').update(shared).update('\0');
    hash.update(JSON.stringify({ collection, removed: removedByCollection.get(collection.name) ?? [], slugs }));
    keys.set(collection.name, hash.digest('hex'));
  }
  return keys;
}
