import type { Retraction, TagEntry } from './types.ts';

// How many of a container's tags are yanked or withdrawn, for every listing that counts its tags
// (collection, topic and download tables, search results). Pure.

export interface RetractedCount {
  kind: Retraction['kind'];
  count: number;
}

/** The yanked, then the withdrawn, count of `tags`; kinds none has are left out. */
export function retractedCounts(tags: readonly TagEntry[]): RetractedCount[] {
  const counts: RetractedCount[] = [
    { kind: 'yanked', count: 0 },
    { kind: 'withdrawn', count: 0 },
  ];
  for (const tag of tags) {
    const kind = tag.current.retraction?.kind;
    if (kind) counts.find((c) => c.kind === kind)!.count++;
  }
  return counts.filter((c) => c.count > 0);
}

/** "1 yanked · 2 withdrawn", or '' when no tag is. */
export function retractedSummary(tags: readonly TagEntry[]): string {
  return retractedCounts(tags)
    .map((c) => `${c.count} ${c.kind}`)
    .join(' · ');
}
