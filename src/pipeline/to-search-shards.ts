import { createHash } from 'node:crypto';
import type { SearchRecord } from './to-search-records.ts';

// The search index can be split by collection into shards that the browser merges (pagefind's
// mergeIndex), so a change to one collection re-indexes one shard, not the registry (issue 6).
// Off by default: a shard that lacks a word answers it with pagefind's near matches, so a split
// index returns weak extra results a single index does not. SIFHUB_SEARCH_SHARD_RECORDS turns it
// on for registries that value rebuild time over that. An unchanged shard is reused either way.

/** Records per shard before the index splits (default: never); at most MAX_SHARDS shards. */
export const SHARD_RECORDS = Number.POSITIVE_INFINITY;
export const MAX_SHARDS = 16;

export interface SearchShard {
  index: number;
  records: SearchRecord[];
  /** Hash of the records and sifhub's code: an unchanged key reuses the shard's last output. */
  key: string;
}

export function toSearchShards(records: readonly SearchRecord[], codeFingerprint: string, shardRecords = SHARD_RECORDS): SearchShard[] {
  const count = Math.min(MAX_SHARDS, Math.max(1, Math.ceil(records.length / shardRecords)));
  const groups = Array.from({ length: count }, () => [] as SearchRecord[]);
  for (const record of records) groups[count === 1 ? 0 : fnv1a(record.filters.collection[0] ?? '') % count]!.push(record);
  // An empty shard has no language index, which pagefind's mergeIndex refuses: shards are the
  // groups that hold records, numbered in order.
  const filled = groups.filter((group) => group.length > 0);
  return (filled.length > 0 ? filled : [[]]).map((group, index) => ({
    index,
    records: group,
    key: createHash('sha256').update(codeFingerprint).update('\0').update(String(count)).update('\0').update(JSON.stringify(group)).digest('hex'),
  }));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
