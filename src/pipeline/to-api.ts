import type { ApiCollection, ApiCollectionsIndex, ApiRegistry } from '../schema/api.ts';
import { absoluteUrl, apiPath, libraryPath, pagePath, shubUri, starsIssueUrl } from '../site/urls.ts';
import type { PlatformImage, Site, Version } from '../model/types.ts';
import { signedFacts } from '../model/signatures.ts';

// Stage 6b: the JSON API for programs (api/v1/). The index links to collection files relatively,
// so a mirrored copy stays navigable; pages are linked by absolute URL, tag pages and manifests
// through the registry's URL templates.

export interface ApiFile {
  path: string;
  json: unknown;
  /** The collection whose file it is; none: the registry's. */
  collection?: string;
}

export function toApi(site: Site): ApiFile[] {
  const { config } = site;
  const registry: ApiRegistry = {
    name: config.name,
    url: config.url,
    description: config.description,
    contact: config.contact,
    help: config.help,
    repository: config.repository,
    counts: site.counts,
    collections: 'collections.json',
    templates: {
      tagPage: absoluteUrl(config, pagePath.tag('{collection}', '{container}', '{tag}')),
      manifest: absoluteUrl(config, apiPath.manifest('{collection}', '{container}', { tag: '{tag}' })),
      pull: shubUri(config, '{collection}', '{container}', { tag: '{tag}', digest: '{md5}' }),
    },
    ...(config.access === 'private' ? { access: 'private' as const } : {}),
    ...(config.library ? { library: { imagefile: config.library, image: absoluteUrl(config, libraryPath.image('{collection}/{container}', '{ref}')) } } : {}),
  };
  const index: ApiCollectionsIndex = {
    collections: site.collections.map((c) => ({
      name: c.name,
      summary: c.record.summary,
      topics: c.record.topics ?? [],
      containers: c.containers.length,
      tags: c.tagCount,
      bytes: c.bytes,
      stars: c.stars,
      downloads: c.downloads,
      lastChanged: c.lastChanged,
      page: absoluteUrl(config, pagePath.collection(c.name)),
      api: `collections/${c.name}.json`,
    })),
  };
  const collections = site.collections.map((c): ApiFile => {
    const json: ApiCollection = {
      name: c.name,
      summary: c.record.summary,
      topics: c.record.topics ?? [],
      owners: c.record.owners ?? [],
      stars: c.stars,
      starsIssue: config.repository && c.record.starsIssue !== undefined ? starsIssueUrl({ ...config, repository: config.repository }, c.record.starsIssue) : undefined,
      downloads: c.downloads,
      page: absoluteUrl(config, pagePath.collection(c.name)),
      containers: c.containers.map((n) => ({
        name: n.name,
        summary: n.record.summary,
        topics: n.topics,
        source: n.record.source,
        license: n.record.license,
        latest: n.latest,
        bytes: n.bytes,
        downloads: n.downloads,
        page: absoluteUrl(config, pagePath.container(c.name, n.name)),
        tags: n.tags.map((t) => ({
          name: t.name,
          ...toApiVersion(t.current),
          architecture: t.record.architecture,
          created: t.record.created,
          frozen: t.record.frozen ?? false,
          firstAdded: t.firstAdded,
          lastChanged: t.lastChanged,
          uncommitted: t.uncommitted,
          baseOs: t.baseOs,
          downloads: t.downloads,
          ...signedFacts(t.signatures),
          ...(t.signatures ? { signatures: t.signatures } : {}),
          previous: t.versions.slice(0, -1).map(toApiVersion),
        })),
      })),
    };
    return { path: apiPath.collection(c.name).slice(1), json, collection: c.name };
  });
  return [
    { path: apiPath.registry().slice(1), json: registry },
    { path: apiPath.collections().slice(1), json: index },
    ...collections,
  ];
}

/** A version as the API lists it: a withdrawn image's address is not handed out. */
function toApiVersion(version: Version): ApiVersion {
  const platforms = version.platforms?.map(withoutWithdrawnUrl);
  return { ...withoutWithdrawnUrl(version), ...(platforms ? { platforms } : {}) };
}

type ApiVersion = Omit<Version, 'url' | 'platforms'> & { url?: string; platforms?: (Omit<PlatformImage, 'url'> & { url?: string })[] };

function withoutWithdrawnUrl<T extends { url: string; retraction?: { kind: string } }>(image: T): Omit<T, 'url'> & { url?: string } {
  if (image.retraction?.kind !== 'withdrawn') return image;
  const { url: _, ...rest } = image;
  return rest;
}

