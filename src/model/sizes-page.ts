import { formatBytes } from '../site/format.ts';
import { href, pagePath } from '../site/urls.ts';
import { layoutTreemap, type Cell, type TreemapCollection } from './treemap.ts';
import type { ContainerEntry, Site } from './types.ts';

// The sizes page: collections → containers with the bytes of their current images, laid out as a
// treemap at build time (the browser lays out a zoomed collection from `data`), and the largest
// containers as a table. Pure.

/** The table is for reading, not for 23,000 rows of a 100,000-tag registry. */
export const TABLE_ROWS = 250;

export interface SizesPage {
  cells: Cell[];
  /** Containers with bytes, too small to draw in the full view (their collection's zoom shows them). */
  undrawn: number;
  /** The largest containers, at most TABLE_ROWS. */
  table: ContainerEntry[];
  /** Whether the table leaves some containers out. */
  tableCut: boolean;
}

export function toSizesPage(site: Site): SizesPage {
  const data = toTreemapData(site);
  const cells = layoutTreemap(data);
  const largest = site.collections.flatMap((c) => c.containers).filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return {
    cells,
    undrawn: largest.length - cells.filter((cell) => cell.kind === 'container').length,
    table: largest.slice(0, TABLE_ROWS),
    tableCut: largest.length > TABLE_ROWS,
  };
}

export function toTreemapData(site: Site): TreemapCollection[] {
  return site.collections.map((collection) => ({
    name: collection.name,
    href: href(site.config, pagePath.collection(collection.name)),
    bytes: collection.bytes,
    size: formatBytes(collection.bytes),
    containers: collection.containers.map((container) => ({
      name: container.name,
      href: href(site.config, pagePath.container(collection.name, container.name)),
      bytes: container.bytes,
      size: formatBytes(container.bytes),
      tags: container.tags.length,
    })),
  }));
}
