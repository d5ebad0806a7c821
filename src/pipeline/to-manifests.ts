import type { Problem } from '../errors.ts';
import type { ShubManifest } from '../schema/manifest.ts';
import { apiPath } from '../site/urls.ts';
import { pastVersions } from '../model/past-versions.ts';
import type { Site, Version } from '../model/types.ts';

// Stage 6a: the shub contract (DESIGN §3). For every tag t of coll/name whose image has md5 v:
//   name:t   name:t@v   name@v
// and for every older version v' in the tag's history (also of deleted tags): name:t@v' and name@v',
// so a pinned pull keeps working after the tag moves. `name:latest` falls back per registry.yml.
// A yanked image keeps only its pinned forms (a tag and `latest` no longer resolve to it); a
// withdrawn one has none.

export interface ManifestFile {
  /** Site path without the leading slash: api/container/lab/tool:1.0 */
  path: string;
  manifest: ShubManifest;
  /** The record it came from, to name in a conflict. */
  file: string;
}

export function toManifests(site: Site): { files: ManifestFile[]; problems: Problem[] } {
  const byPath = new Map<string, ManifestFile>();
  const problems: Problem[] = [];

  const add = (collection: string, container: string, ref: { tag?: string; digest?: string }, tag: string, version: Version, file: string) => {
    const path = apiPath.manifest(collection, container, ref).slice(1);
    const existing = byPath.get(path);
    if (existing) {
      // The same image reached by two routes (two tags on one image) is fine; two images are not.
      if (existing.manifest.commit !== version.sha256) {
        problems.push({
          file,
          message: `${path} would serve image ${version.sha256.slice(0, 12)}…, but ${existing.file} already makes it serve ${existing.manifest.commit.slice(0, 12)}…: two different images with md5 ${version.md5}`,
        });
      }
      return;
    }
    byPath.set(path, { path, file, manifest: toManifest(collection, container, tag, version) });
  };

  // Current images first, so name@v names the tag that serves v today.
  for (const collection of site.collections) {
    for (const container of collection.containers) {
      for (const tag of container.tags) {
        const v = tag.current;
        if (v.retraction?.kind === 'withdrawn') continue;
        if (!v.retraction) add(collection.name, container.name, { tag: tag.name }, tag.name, v, tag.file);
        add(collection.name, container.name, { tag: tag.name, digest: v.md5 }, tag.name, v, tag.file);
        add(collection.name, container.name, { digest: v.md5 }, tag.name, v, tag.file);
        if (container.latest === tag.name && tag.name !== 'latest' && !v.retraction) {
          add(collection.name, container.name, { tag: 'latest' }, tag.name, v, tag.file);
          add(collection.name, container.name, { tag: 'latest', digest: v.md5 }, tag.name, v, tag.file);
        }
      }
    }
  }
  for (const tag of pastVersions(site)) {
    // Newest first: if a tag went A → B → A, the later URL of A wins.
    for (const v of [...tag.versions].reverse()) {
      if (v.retraction?.kind === 'withdrawn') continue;
      add(tag.collection, tag.container, { tag: tag.name, digest: v.md5 }, tag.name, v, tag.file);
      add(tag.collection, tag.container, { digest: v.md5 }, tag.name, v, tag.file);
    }
  }
  return { files: [...byPath.values()], problems };
}

function toManifest(collection: string, container: string, tag: string, version: Version): ShubManifest {
  return {
    image: version.url,
    name: container,
    tag,
    branch: tag,
    version: version.md5,
    commit: version.sha256,
    size_mb: Math.round((version.size / 1048576) * 100) / 100,
    metrics: {},
    collection,
  };
}
