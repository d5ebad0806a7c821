import { createHash } from 'node:crypto';
import { fnv1a } from '../fnv1a.ts';
import type { CollectionEntry, Site } from '../model/types.ts';
import { toCollectionSearchRecords, type SearchRecord } from './to-search-records.ts';

// The search index is split by collection into shards that the browser searches side by side
// (src/scripts/search.ts), so a change to one collection re-indexes one shard, not the registry
// (at 10,000 tags the whole index costs a sixth of a build). An unchanged shard is
// reused. The browser keeps only the answers a single index would give: pagefind answers a word
// a shard lacks with near matches, and those are dropped when another shard has the word itself.

/** Records (containers) per shard before the index splits; at most MAX_SHARDS shards. */
const SHARD_RECORDS = 200;
/** Each shard costs the browser a search per query word: the count stays small. */
const MAX_SHARDS = 16;

export interface SearchShard {
  index: number;
  /** Its search records, made when first asked for: a kept shard's are never needed. */
  records(): SearchRecord[];
  /** Hash of its collections' keys and sifhub's code: an unchanged key reuses the shard's last output. */
  key: string;
}

/**
 * The site's collections in shards, keyed by `collectionKeys` (output/to-output-keys.ts): a search
 * record is a function of its collection's entry and the configuration, which that key covers,
 * so a rebuild makes the records of the shards that changed only.
 */
export function toSearchShards(site: Site, collectionKeys: ReadonlyMap<string, string>, codeFingerprint: string, shardRecords = SHARD_RECORDS): SearchShard[] {
  const count = Math.min(MAX_SHARDS, Math.max(1, Math.ceil(site.counts.containers / shardRecords)));
  const groups = Array.from({ length: count }, () => [] as CollectionEntry[]);
  for (const collection of site.collections) if (collection.containers.length > 0) groups[count === 1 ? 0 : fnv1a(collection.name) % count]!.push(collection);
  // An empty shard has no language index, which pagefind's mergeIndex refuses: shards are the
  // groups that hold records, numbered in order.
  const filled = groups.filter((group) => group.length > 0);
  return (filled.length > 0 ? filled : [[]]).map((group, index) => {
    const key = createHash('sha256').update(codeFingerprint).update('\0').update(String(count));
    for (const collection of group) key.update('\0').update(collection.name).update('\0').update(collectionKeys.get(collection.name) ?? '');
    let records: SearchRecord[] | undefined;
    return { index, key: key.digest('hex'), records: () => (records ??= group.flatMap((collection) => toCollectionSearchRecords(site.config, collection))) };
  });
}
