import type { LibraryRedirect, SiteConfig } from '../schema/site-config.ts';
import { pastVersions } from '../model/past-versions.ts';
import type { Image, Site, Version } from '../model/types.ts';
import { absoluteUrl, basePath, LIBRARY_COLLECTION, libraryPath, libraryPin, redirectTarget } from '../site/urls.ts';

// Stage 6a': the Library API's pull path (DESIGN §3b), for registries that set `library` in
// registry.yml. A pull asks for /v1/images/NAME:REF (a JSON naming the image's sha256 and size),
// then for /v1/imagefile/NAME:REF, which the host answers with a redirect to the image (or, with
// `library: site`, the site with the image's bytes: library-images-fs.ts). Every
// container has two NAMEs (lab/tool and lab/default/tool, urls.ts) and every image two kinds of
// REF: the tags that resolve to it, as the shub manifests resolve them (a yanked image no tag,
// `latest` per registry.yml), and its `sha256.<hex>` pin, for every version a tag ever held (also
// of deleted tags), so a pinned pull keeps working after the tag moves. A withdrawn image has
// neither. Pure.

/** The Library API's version that has arch-specific tags: clients ask before a pull. */
const API_VERSION = '2.0.0-alpha.2';

/** Apptainer's own default key server: a remote must name one, or `apptainer pull` stops. */
const KEYSERVER = 'https://keys.openpgp.org';

interface LibraryImage {
  /** Site path without the leading slash: v1/images/lab/tool:1.0 */
  path: string;
  json: { data: Record<string, unknown> };
  collection: string;
}

export interface LibraryRedirectRule {
  /** Site path without the leading slash: v1/imagefile/lab/tool:1.0 */
  path: string;
  /** Where the image is (the record's https URL). */
  to: string;
  /** The image, for a site that serves its bytes itself (`library: site`). */
  image: Image;
  /** The record that names it. */
  file: string;
  collection: string;
}

export interface Library {
  images: LibraryImage[];
  redirects: LibraryRedirectRule[];
}

interface Served {
  file: string;
  collection: string;
  container: string;
  ref: string;
  version: Version;
  /** The record's architecture, when the version is a tag's current one. */
  arch?: string;
  /** The tags that resolve to the image now. */
  tags: string[];
}

export function toLibrary(site: Site): Library {
  const served = new Map<string, Served>();
  const add = (entry: Served) => {
    const key = `${entry.collection}/${entry.container}:${entry.ref}`;
    if (!served.has(key)) served.set(key, entry);
  };
  for (const collection of site.collections) {
    for (const container of collection.containers) {
      // A tag resolves to its image unless the image is yanked or withdrawn.
      const resolving = new Map<string, string[]>();
      for (const tag of container.tags) {
        if (tag.current.retraction) continue;
        const names = resolving.get(tag.current.sha256) ?? [];
        names.push(tag.name);
        if (container.latest === tag.name && tag.name !== 'latest') names.push('latest');
        resolving.set(tag.current.sha256, names);
      }
      for (const tag of container.tags) {
        const v = tag.current;
        if (v.retraction?.kind === 'withdrawn') continue;
        const base = { file: tag.file, collection: collection.name, container: container.name, version: v, arch: tag.record.architecture, tags: resolving.get(v.sha256) ?? [] };
        if (!v.retraction) {
          add({ ...base, ref: tag.name });
          if (container.latest === tag.name && tag.name !== 'latest') add({ ...base, ref: 'latest' });
        }
        add({ ...base, ref: libraryPin(v.sha256) });
      }
    }
  }
  for (const tag of pastVersions(site)) {
    // Newest first: if a tag went A → B → A, the later URL of A wins (as the manifests do).
    for (const v of [...tag.versions].reverse()) {
      if (v.retraction?.kind === 'withdrawn') continue;
      add({ file: tag.file, collection: tag.collection, container: tag.container, ref: libraryPin(v.sha256), version: v, tags: [] });
    }
  }

  const images: LibraryImage[] = [];
  const redirects: LibraryRedirectRule[] = [];
  for (const entry of served.values()) {
    for (const name of libraryPath.names(entry.collection, entry.container)) {
      images.push({ path: libraryPath.image(name, entry.ref).slice(1), json: { data: toLibraryImage(entry, site.config.library === 'cloudflare') }, collection: entry.collection });
      redirects.push({ path: libraryPath.imagefile(name, entry.ref).slice(1), to: entry.version.url, image: entry.version, file: entry.file, collection: entry.collection });
    }
  }
  return { images, redirects };
}

/**
 * What the Library API's `GET v1/images/…` answers (container-library-client's `Image`). With
 * `location`, the image's address, for Cloudflare's worker to redirect to (clients ignore it).
 */
function toLibraryImage(entry: Served, location: boolean): Record<string, unknown> {
  const hash = libraryPin(entry.version.sha256);
  return {
    id: hash,
    hash,
    size: entry.version.size,
    ...(entry.arch ? { arch: entry.arch } : {}),
    uploaded: true,
    entityName: entry.collection,
    collectionName: LIBRARY_COLLECTION,
    containerName: entry.container,
    tags: entry.tags,
    customData: '',
    ...(location ? { location: redirectTarget(entry.version.url) } : {}),
  };
}

/**
 * The files beside the images' JSON: what `apptainer remote add` and the clients' version check
 * read, and the host's redirect rules (one site-wide file for Netlify and nginx; S3's redirects
 * are objects of their own, collection outputs like the JSON).
 */
export function toLibrarySiteFiles(config: SiteConfig, library: Library): { path: string; text: string }[] {
  const form: LibraryRedirect | undefined = config.library;
  if (form === undefined) return [];
  const base = absoluteUrl(config, '/').replace(/\/$/, '');
  const files = [
    { path: libraryPath.config().slice(1), text: `${JSON.stringify({ libraryAPI: { uri: base }, keyserverAPI: { uri: KEYSERVER } })}\n` },
    { path: libraryPath.version().slice(1), text: `${JSON.stringify({ data: { version: 'sifhub', apiVersion: API_VERSION } })}\n` },
  ];
  const site = (rule: LibraryRedirectRule) => new URL(absoluteUrl(config, `/${rule.path}`)).pathname;
  if (form === 'netlify') {
    files.push({ path: libraryPath.netlifyRedirects().slice(1), text: library.redirects.map((r) => `${site(r)} ${redirectTarget(r.to)} 303\n`).join('') });
  } else if (form === 'nginx') {
    files.push({ path: libraryPath.nginxMap().slice(1), text: library.redirects.map((r) => `"${site(r)}" "${redirectTarget(r.to)}";\n`).join('') });
  } else if (form === 'cloudflare') {
    const prefix = basePath(config);
    files.push({ path: libraryPath.cloudflareWorker().slice(1), text: cloudflareWorker(prefix) });
    // Only these paths run the worker (and count as its requests); every other file is served as it is.
    files.push({ path: libraryPath.cloudflareRoutes().slice(1), text: `${JSON.stringify({ version: 1, include: [`${prefix}/v1/imagefile/*`], exclude: [] })}\n` });
  }
  return files;
}

/**
 * Cloudflare Pages' `_redirects` cannot hold these rules: it reads `:latest` in
 * `/v1/imagefile/lab/tool:latest` as a placeholder that matches any tag (a wrong image), and
 * allows 2,000 rules. This worker answers /v1/imagefile/NAME:REF with a 303 to the `location`
 * in /v1/images/NAME:REF, the JSON the site already serves, and 404 when there is none.
 */
function cloudflareWorker(prefix: string): string {
  return `// Written by sifhub build (registry.yml: library: cloudflare). library:// on Cloudflare Pages:
// /v1/imagefile/NAME:REF answers 303 to the image /v1/images/NAME:REF names.
const PREFIX = ${JSON.stringify(`${prefix}/v1/imagefile/`)};
const IMAGES = ${JSON.stringify(`${prefix}/v1/images/`)};
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(PREFIX)) return env.ASSETS.fetch(request);
    const json = await env.ASSETS.fetch(new URL(IMAGES + url.pathname.slice(PREFIX.length), url.origin).href);
    const location = json.status === 200 ? (await json.json().catch(() => ({}))).data?.location : undefined;
    if (typeof location !== 'string' || !location.startsWith('https://')) return new Response('image not found\\n', { status: 404 });
    return new Response(null, { status: 303, headers: { Location: location } });
  },
};
`;
}

/** The redirects S3 serves from objects: one per path, its text the target (see deploy). */
export function toS3RedirectFiles(config: SiteConfig, library: Library): { path: string; text: string; collection: string }[] {
  return config.library === 's3-website' ? library.redirects.map((r) => ({ path: r.path, text: `${redirectTarget(r.to)}\n`, collection: r.collection })) : [];
}
