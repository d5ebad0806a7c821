import { createHash } from 'node:crypto';
import type { LibraryRedirectRule } from '../hosts/library-host.ts';
import { pastVersions } from '../model/past-versions.ts';
import { servedImagesOf, type ArchImage } from '../model/platforms.ts';
import type { Image, Site, Version } from '../model/types.ts';
import { OCI, ociPath } from '../site/urls.ts';

// oras:// pulls: a static OCI distribution tree, as `apptainer push oras://` would have left the
// images in a registry. Each container is a repository; each image a manifest with an empty
// config and one layer, the SIF file itself, whose blob the host redirects to the image's URL (the
// library:// host forms' rules, or the bytes with `library: site`). Tags resolve as the shub
// manifests do (a yanked image only by digest, a withdrawn one not at all), and every image a tag
// ever pointed at keeps its manifest by digest, as `@md5` keeps shub pins. Pure but for hashing.


export interface OciTree {
  /** Manifests, tag lists, the catalog, the ping and each repository's config blob. */
  files: { path: string; text: string; collection?: string }[];
  /** Each image's layer blob, to redirect to the image (or serve its bytes). */
  blobs: LibraryRedirectRule[];
  /** The manifest digest each tag (and `latest`) resolves to, by repository: what shpc pins. */
  tagDigests: Map<string, Map<string, string>>;
  /** Each manifest file's digest, by its site path (without the leading slash): the `Docker-Content-Digest` a server sends with it. */
  manifestDigests: Map<string, string>;
  /** The manifest files that are image indexes (tags of several architectures), by site path without the leading slash: served as `OCI.indexType`. */
  indexPaths: Set<string>;
}

export function toOci(site: Site): OciTree {
  const files: OciTree['files'] = [{ path: ociPath.ping().slice(1) + 'index.html', text: '{}\n' }];
  const blobs = new Map<string, LibraryRedirectRule>();
  const repositories = new Set<string>();
  const manifestsOf = new Map<string, Map<string, string>>(); // repository → path → text
  const tagDigests = new Map<string, Map<string, string>>();
  const manifestDigests = new Map<string, string>();
  const indexes = new Set<string>();

  /** A manifest (or index) served at its digest and at `tags`. */
  const put = (repository: string, text: string, tags: readonly string[]): string => {
    const paths = manifestsOf.get(repository) ?? new Map<string, string>();
    manifestsOf.set(repository, paths);
    const digest = `sha256:${sha256(text)}`;
    for (const tag of tags) {
      const digests = tagDigests.get(repository) ?? new Map<string, string>();
      tagDigests.set(repository, digests);
      if (!digests.has(tag)) digests.set(tag, digest);
    }
    for (const reference of [...tags, digest]) {
      const path = ociPath.manifest(repository, reference).slice(1);
      if (!paths.has(path)) {
        paths.set(path, text);
        manifestDigests.set(path, digest);
      }
    }
    return digest;
  };
  const add = (repository: string, collection: string, file: string, version: Version, tags: readonly string[]) => {
    const images = servedImagesOf(version);
    for (const image of images) {
      const blob = ociPath.blob(repository, `sha256:${image.sha256}`).slice(1);
      if (!blobs.has(blob)) blobs.set(blob, { path: blob, to: image.url, image, file, collection });
    }
    // One image: its manifest is the tag's. Several architectures: an index of those a tag resolves to.
    if (!version.platforms) {
      if (images.length > 0) put(repository, toManifest(repository, version), tags);
      return;
    }
    const entries = images.map((image) => {
      const text = toManifest(repository, image);
      return { image, text, digest: put(repository, text, []) };
    });
    const resolving = entries.filter((e) => !e.image.retraction);
    if (resolving.length > 0) {
      const index = toIndex(resolving);
      const digest = put(repository, index, tags);
      indexes.add(digest);
    }
  };

  for (const collection of site.collections) {
    for (const container of collection.containers) {
      const repository = `${collection.name}/${container.name}`;
      repositories.add(repository);
      const tags: string[] = [];
      for (const tag of container.tags) {
        // A yanked image resolves only by digest; a tag names its current image otherwise.
        const names = tag.current.retraction ? [] : [tag.name, ...(container.latest === tag.name && tag.name !== 'latest' ? ['latest'] : [])];
        tags.push(...names);
        add(repository, collection.name, tag.file, tag.current, names);
      }
      files.push({ path: ociPath.tags(repository).slice(1), text: `${JSON.stringify({ name: repository, tags: [...new Set(tags)].sort() })}\n`, collection: collection.name });
      files.push({ path: ociPath.blob(repository, OCI.configDigest).slice(1), text: OCI.config, collection: collection.name });
    }
  }
  for (const tag of pastVersions(site)) {
    const repository = `${tag.collection}/${tag.container}`;
    for (const version of tag.versions) add(repository, tag.collection, tag.file, version, []);
    if (!repositories.has(repository) && manifestsOf.has(repository)) {
      repositories.add(repository);
      files.push({ path: ociPath.blob(repository, OCI.configDigest).slice(1), text: OCI.config, collection: tag.collection });
    }
  }
  for (const [repository, paths] of manifestsOf) {
    const collection = repository.slice(0, repository.indexOf('/'));
    for (const [path, text] of paths) files.push({ path, text, collection });
  }
  files.push({ path: ociPath.catalog().slice(1), text: `${JSON.stringify({ repositories: [...repositories].sort() })}\n` });
  const indexPaths = new Set([...manifestDigests].flatMap(([path, digest]) => (indexes.has(digest) ? [path] : [])));
  return { files, blobs: [...blobs.values()], tagDigests, manifestDigests, indexPaths };
}

/**
 * A tag of several architectures as an OCI image index: each architecture's manifest, with the
 * platform go-containerregistry matches the client's against (`linux` and its architecture).
 */
function toIndex(entries: readonly { image: ArchImage; text: string; digest: string }[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI.indexType,
    manifests: entries.map((e) => ({ mediaType: OCI.manifestType, digest: e.digest, size: Buffer.byteLength(e.text), platform: { architecture: e.image.architecture, os: 'linux' } })),
  });
}

/** An image's manifest, byte for byte the same wherever it is served: its digest names it. */
function toManifest(repository: string, version: Image): string {
  const container = repository.slice(repository.indexOf('/') + 1);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI.manifestType,
    config: { mediaType: OCI.configType, digest: OCI.configDigest, size: OCI.config.length },
    layers: [{ mediaType: OCI.layerType, digest: `sha256:${version.sha256}`, size: version.size, annotations: { 'org.opencontainers.image.title': `${container}.sif` } }],
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
