import type { CollectionEntry, Rankings } from './types.ts';

// The /stars/ and /downloads/ pages (Registry Server had both): the most starred collections,
// the most downloaded containers and collections. Unknown counts are left out, never ranked as 0.

/** A ranking is a page to read, not an index: the top this many. */
export const RANKED = 100;

export function toRankings(collections: readonly CollectionEntry[]): Rankings {
  return {
    collectionsByStars: top(collections, (c) => c.stars),
    containersByDownloads: top(
      collections.flatMap((c) => c.containers),
      (c) => c.downloads,
    ),
    collectionsByDownloads: top(collections, (c) => c.downloads),
  };
}

function top<T extends { name: string }>(entries: readonly T[], count: (entry: T) => number | null): T[] {
  return entries
    .filter((e) => count(e) !== null)
    .sort((a, b) => count(b)! - count(a)! || a.name.localeCompare(b.name))
    .slice(0, RANKED);
}

/**
 * Which usage pages the navigation offers: Stars and Downloads only once there is a count to
 * rank (most registries have neither). Every page's navigation depends on it, so it is part of
 * what a collection's reused output is keyed by (output/to-output-keys.ts).
 */
export function usageNavigation(rankings: Rankings): { stars: boolean; downloads: boolean } {
  return { stars: rankings.collectionsByStars.length > 0, downloads: rankings.containersByDownloads.length > 0 };
}
