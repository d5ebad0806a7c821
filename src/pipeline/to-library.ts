import type { SiteConfig } from '../schema/site-config.ts';
import { libraryHost } from '../hosts/index.ts';
import type { Library, LibraryImage, LibraryRedirectRule } from '../hosts/library-host.ts';
import { pastVersions } from '../model/past-versions.ts';
import { platformRef, servedImagesOf } from '../model/platforms.ts';
import { signedFacts } from '../model/signatures.ts';
import type { Site, Version } from '../model/types.ts';
import { absoluteUrl, LIBRARY_COLLECTION, libraryPath, libraryPin, redirectTarget } from '../site/urls.ts';

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
  /** Whom the current image is signed by, when it is a tag's current one with signatures. */
  signed?: { signed: boolean; fingerprints: string[] };
  /** One architecture's image of a tag that holds several, served beside the tag's ref (`1.0@arm64`). */
  alternate?: { ref: string; arch: string };
}

export function toLibrary(site: Site): Library {
  const host = site.config.library === undefined ? undefined : libraryHost(site.config.library);
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
        const refs = v.retraction ? [] : [tag.name, ...(container.latest === tag.name && tag.name !== 'latest' ? ['latest'] : [])];
        const tags = resolving.get(v.sha256) ?? [];
        if (v.retraction?.kind !== 'withdrawn') {
          const base = { file: tag.file, collection: collection.name, container: container.name, version: v, arch: tag.record.architecture, tags, signed: tag.signatures && signedFacts(tag.signatures) };
          for (const ref of refs) add({ ...base, ref });
          add({ ...base, ref: libraryPin(v.sha256) });
        }
        // A tag of several architectures: each image at its pin, and at the tag's refs for the client asking for its architecture.
        if (!v.platforms) continue;
        for (const image of servedImagesOf(v)) {
          const arch = image.architecture!;
          const base = { file: tag.file, collection: collection.name, container: container.name, version: image, arch, tags: image.retraction ? [] : tags };
          if (image.sha256 !== v.sha256) add({ ...base, ref: libraryPin(image.sha256) });
          if (!image.retraction) for (const ref of refs) add({ ...base, ref: platformRef(ref, arch), alternate: { ref, arch } });
        }
      }
    }
  }
  for (const tag of pastVersions(site)) {
    // Newest first: if a tag went A → B → A, the later URL of A wins (as the manifests do).
    for (const v of [...tag.versions].reverse()) {
      for (const image of servedImagesOf(v)) add({ file: tag.file, collection: tag.collection, container: tag.container, ref: libraryPin(image.sha256), version: image, arch: image.architecture, tags: [] });
    }
  }

  const images: LibraryImage[] = [];
  const redirects: LibraryRedirectRule[] = [];
  for (const entry of served.values()) {
    for (const name of libraryPath.names(entry.collection, entry.container)) {
      const alternate = entry.alternate && { of: libraryPath.image(name, entry.alternate.ref).slice(1), arch: entry.alternate.arch };
      images.push({ path: libraryPath.image(name, entry.ref).slice(1), json: { data: toLibraryImage(entry, host?.locationInImageJson ?? false) }, collection: entry.collection, ...(alternate ? { alternate } : {}) });
      redirects.push({ path: libraryPath.imagefile(name, entry.ref).slice(1), to: entry.version.url, image: entry.version, file: entry.file, collection: entry.collection, ...(alternate ? { alternate: { of: libraryPath.imagefile(name, entry.alternate!.ref).slice(1), arch: alternate.arch } } : {}) });
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
    // Clients print "Signed by: …" from these (container-library-client's Image).
    ...(entry.signed ? { signed: entry.signed.signed, ...(entry.signed.fingerprints.length > 0 ? { fingerprints: entry.signed.fingerprints } : {}) } : {}),
    ...(location ? { location: redirectTarget(entry.version.url) } : {}),
  };
}

/**
 * What `apptainer remote add NAME SITE` reads (assets/config/config.prod.json): the site is its
 * own library (with `library`) and, when it has signer keys, its own keyserver (keys/, and
 * pks/lookup); Apptainer appends its API paths to each uri.
 */
export function toRemoteConfig(config: SiteConfig, hasKeys: boolean): string {
  const site = absoluteUrl(config, '/').replace(/\/$/, '');
  return `${JSON.stringify({ ...(config.library ? { libraryAPI: { uri: site } } : {}), keyserverAPI: { uri: hasKeys ? site : KEYSERVER } })}\n`;
}

/**
 * The files beside the images' JSON: the clients' version check, and what the host needs to send
 * /v1/imagefile/… on (src/hosts/).
 */
export function toLibrarySiteFiles(config: SiteConfig, library: Library): { path: string; text: string }[] {
  if (config.library === undefined) return [];
  return [
    { path: libraryPath.version().slice(1), text: `${JSON.stringify({ data: { version: 'sifhub', apiVersion: API_VERSION } })}\n` },
    ...libraryHost(config.library).siteFiles(config, library),
  ];
}

/** Files the host needs per /v1/imagefile/… path (S3's redirect objects), each its collection's. */
export function toImagefileFiles(config: SiteConfig, library: Library): { path: string; text: string; collection: string }[] {
  return config.library === undefined ? [] : libraryHost(config.library).imagefileFiles(library);
}
