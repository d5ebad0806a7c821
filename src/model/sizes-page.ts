import { formatBytes } from '../site/format.ts';
import type { TreemapCollection } from './treemap.ts';
import { href, pagePath } from '../site/urls.ts';
import type { Site } from './types.ts';

// The sizes page's data: collections → containers with the bytes of their current images. Pure.

export function toTreemap(site: Site): TreemapCollection[] {
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
