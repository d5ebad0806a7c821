import { createHash } from 'node:crypto';
import { usageNavigation } from '../model/to-rankings.ts';
import { pagePath } from '../site/urls.ts';
import type { CollectionEntry, Site } from '../model/types.ts';

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
  const shared = sharedKey(site, codeFingerprint);
  for (const collection of site.collections) {
    const labelKeys = new Set(collection.containers.flatMap((n) => n.tags.flatMap((t) => Object.keys(t.record.labels ?? {}))));
    const slugs = [...labelKeys].sort().map((key) => [key, site.labelSlugs.get(key)]);
    const hash = createHash('sha256').update(shared).update('\0');
    hash.update(JSON.stringify({ collection, removed: removedByCollection.get(collection.name) ?? [], slugs }));
    keys.set(collection.name, hash.digest('hex'));
  }
  return keys;
}

/** What every page of a collection shows beyond its own entries: the layout's navigation, and whether the registry has signer keys. */
function sharedKey(site: Site, codeFingerprint: string): string {
  return JSON.stringify({ codeFingerprint, config: site.config, navigation: usageNavigation(site.rankings), signerKeys: site.keys.length > 0 });
}

/**
 * Each tag page of `collections` (collections whose output is rebuilt) by its file in the site,
 * keyed by what the page shows: its tag's entry, whether the tag is its container's latest, the
 * container's summary, and what every page shows (sharedKey). Its sibling tags are not on it:
 * a change to one tag of a container of 300 renders one tag page, not 300.
 */
export function toTagPageKeys(site: Site, codeFingerprint: string, collections: Iterable<CollectionEntry>): Map<string, string> {
  const shared = sharedKey(site, codeFingerprint);
  const keys = new Map<string, string>();
  for (const collection of collections) {
    for (const container of collection.containers) {
      for (const tag of container.tags) {
        const hash = createHash('sha256').update(shared).update('\0');
        hash.update(JSON.stringify({ tag, latest: container.latest === tag.name, summary: container.record.summary }));
        keys.set(tagPageFile(collection.name, container.name, tag.name), hash.digest('hex'));
      }
    }
  }
  return keys;
}

/** The file of a tag's page in the site (Astro writes each page as a folder's index.html). */
export function tagPageFile(collection: string, container: string, tag: string): string {
  return `${pagePath.tag(collection, container, tag).slice(1)}index.html`;
}
