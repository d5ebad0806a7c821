import { createHash } from 'node:crypto';
import { fnv1a } from '../fnv1a.ts';
import type { SearchRecord } from './to-search-records.ts';

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
