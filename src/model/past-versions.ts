import type { RemovedTag, Site } from './types.ts';

/**
 * The images tags pointed at before: each tag's versions before its current one, then every
 * version of the tags whose records were deleted. Oldest first within a tag. What keeps a pinned
 * pull working after a tag moves (the shub manifests' `@md5`, library://'s `sha256.<hex>`).
 */
export function pastVersions(site: Site): RemovedTag[] {
  const moved = site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags.map((t) => ({ collection: t.collection, container: t.container, name: t.name, file: t.file, versions: t.versions.slice(0, -1) }))));
  return [...moved, ...site.removed];
}
