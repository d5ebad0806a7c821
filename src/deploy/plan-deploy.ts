import { OCI } from '../site/urls.ts';
import { EnvironmentError } from '../errors.ts';
import { servedAs } from '../schema/served-as.ts';

// What `sifhub deploy` sends to a bucket, decided from the built site and the bucket's listing.
// Pure: deploy-s3.ts lists both sides and carries the plan out.
//
// Only files whose bytes differ are sent (a single-part upload's ETag is its MD5). They go in
// waves, each finished before the next starts, so a client never finds a link to something not
// there yet: assets (styles, scripts, search bundles) first, then pages and API files, then the
// shub manifests and library:// files (what a pull resolves), and only then are files the site no
// longer has removed. A library:// redirect (v1/imagefile/…) is stored as an S3 website redirect.
// Removed are only keys an earlier deploy recorded as its own (the deploy record): a bucket that
// also holds images, or anything else, keeps them.

export interface LocalFile {
  /** Relative to the site folder, '/'-separated. */
  path: string;
  size: number;
  md5: string;
  /** An oras:// manifest's own `mediaType` (an image index is served as one). */
  mediaType?: string;
}

export interface RemoteObject {
  size: number;
  /** The ETag without quotes. */
  etag: string;
}

interface Upload {
  path: string;
  key: string;
  size: number;
  md5: string;
  contentType: string;
  cacheControl: string;
  /** Stored as an S3 website redirect to the URL that is its text (library: s3-website). */
  redirect: boolean;
}

export interface DeployPlan {
  /** Upload waves, in order. */
  waves: { name: string; uploads: Upload[] }[];
  /** Keys to remove once every wave is in. */
  deletes: string[];
  unchanged: number;
}

/** Where the deploy record lives under the prefix: the keys the last deploy put there. */
export const DEPLOY_RECORD = '.sifhub/deployed.json';

/** Pages, manifests and API change with every merge: a CDN holds them as GitHub Pages does (10 minutes). */
const SHORT = 'public, max-age=600';
/** Astro's assets are named by their content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function keyOf(prefix: string, file: string): string {
  return prefix === '' ? file : `${prefix}/${file}`;
}

/** The Content-Type and Cache-Control a file is stored with (`redirect`: a website redirect object's). */
export function objectHeaders(file: string, redirect = false, mediaType?: string): { contentType: string; cacheControl: string } {
  // Manifests have no extension (`api/container/lab/tool:1.0`): the clients ignore the type, a browser shows JSON.
  // An oras:// manifest's type tells a client an image index (a tag of several architectures) from an image.
  const type = redirect ? 'text/plain' : isImagefile(file) ? 'application/octet-stream' : isOciManifest(file) ? (mediaType === OCI.indexType ? OCI.indexType : OCI.manifestType) : isOciConfig(file) ? OCI.configType : isManifest(file) ? 'application/json' : servedAs(file.slice(file.lastIndexOf('/') + 1));
  const contentType = type.startsWith('text/') || type === 'application/json' ? `${type}; charset=utf-8` : type;
  return { contentType, cacheControl: file.startsWith('_astro/') ? IMMUTABLE : SHORT };
}

/** What a pull resolves: the shub manifests, library://'s images and imagefiles, and oras://'s OCI tree. */
function isManifest(file: string): boolean {
  return file.startsWith('api/container/') || file.startsWith('v1/images/') || file.startsWith('v2/') || isImagefile(file);
}

/**
 * library://'s /v1/imagefile/… and oras://'s image blobs: with `library: s3-website` a redirect
 * whose target is the file's text, with `library: site` the image itself.
 */
function isImagefile(file: string): boolean {
  return file.startsWith('v1/imagefile/') || (/^v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/.test(file) && !isOciConfig(file));
}

export function isOciManifest(file: string): boolean {
  return /^v2\/.+\/manifests\/[^/]+$/.test(file);
}

function isOciConfig(file: string): boolean {
  return file.startsWith('v2/') && file.endsWith(`/blobs/${OCI.configDigest}`);
}

/**
 * The `x-amz-website-redirect-location` a redirect object is stored with: its text, which must be
 * one https URL (the build wrote it from a checked record).
 */
export function redirectLocation(file: string, body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (!/^https:\/\/\S+$/.test(text) || !URL.canParse(text)) throw new EnvironmentError(`${file} is not a library:// redirect (expected one https URL, found ${JSON.stringify(text.slice(0, 80))}); build the site again`);
  return text;
}

function waveOf(file: string): number {
  if (isManifest(file)) return 2;
  if (file.endsWith('.html') || file.endsWith('.json') || file.endsWith('.xml') || file.endsWith('.txt')) return 1;
  return 0;
}

const WAVES = ['assets', 'pages and API', 'manifests'];

/**
 * `previous`: the keys the last deploy recorded (undefined for a first deploy: nothing is removed).
 * The deploy record itself is never planned as a site file. `websiteRedirects`: the site was built
 * with `library: s3-website`, so its imagefiles are redirects.
 */
export function planDeploy(local: readonly LocalFile[], remote: ReadonlyMap<string, RemoteObject>, prefix: string, previous: ReadonlySet<string> | undefined, options: { websiteRedirects?: boolean } = {}): DeployPlan {
  const waves = WAVES.map((name) => ({ name, uploads: [] as Upload[] }));
  const keys = new Set<string>();
  let unchanged = 0;
  for (const file of local) {
    const key = keyOf(prefix, file.path);
    keys.add(key);
    const there = remote.get(key);
    if (there && there.size === file.size && there.etag === file.md5) {
      unchanged++;
      continue;
    }
    const redirect = options.websiteRedirects === true && isImagefile(file.path);
    waves[waveOf(file.path)]!.uploads.push({ path: file.path, key, size: file.size, md5: file.md5, ...objectHeaders(file.path, redirect, file.mediaType), redirect });
  }
  const record = keyOf(prefix, DEPLOY_RECORD);
  const deletes = [...(previous ?? [])].filter((key) => !keys.has(key) && key !== record && remote.has(key)).sort();
  return { waves: waves.filter((w) => w.uploads.length > 0), deletes, unchanged };
}
