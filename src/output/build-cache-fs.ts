import { createHash } from 'node:crypto';
import { link, lstat, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../concurrency.ts';
import { cacheDir, PACKAGE_ROOT } from '../package-root-node.ts';
import { currentSite } from './write-output-fs.ts';

// The record of what the last builds wrote, so the next one can reuse it. It lives where build
// tools keep caches, node_modules/.cache/ (or SIFHUB_CACHE_DIR, which CI saves and restores),
// one file per output folder: never inside the output (it would be deployed). It describes two
// sites: the current one and the one before it (the spare, which the next build turns into the
// new site). A restored cache is checked, not trusted: output is reused only when its inputs' key
// matches and its files are still the ones the build wrote, which costs a stat per file unless
// the site folder is the very folder the build recorded (its marker: a restore makes new ones).

const CACHE_VERSION = 6;

/** What one site folder holds, by the keys its pieces were built from. */
export interface SiteRecord {
  /** The site folder, in `.<out>-sites/`. */
  site: string;
  /** siteMarker() of the folder when the build finished it. */
  marker?: string;
  /** Collection → the key its output was built from. */
  collections: Map<string, string>;
  /** Search shard → the key its bundle was built from. */
  search: Map<number, string>;
  /** Collection → outputDigest() of what the build wrote for it. */
  outputs: Map<string, string>;
  /** Tag page file → the key it was rendered from (toTagPageKeys), every collection's. */
  pages: Map<string, string>;
}

export interface BuildCache extends Partial<Pick<SiteRecord, 'site' | 'marker'>>, Omit<SiteRecord, 'site' | 'marker'> {
  /** The site before the current one, kept so the next build can update it in place. */
  spare?: SiteRecord;
}

export const EMPTY_BUILD_CACHE = (): BuildCache => ({ collections: new Map(), search: new Map(), outputs: new Map(), pages: new Map() });

function cachePath(outDir: string): string {
  const id = createHash('sha256').update(path.resolve(outDir)).digest('hex').slice(0, 16);
  return path.join(cacheDir(), `build-${id}.json`);
}

/** The last build's cache, or an empty one when there is none or it does not describe the current output. */
export async function readBuildCache(outDir: string): Promise<BuildCache> {
  try {
    const parsed = JSON.parse(await readFile(cachePath(outDir), 'utf8')) as { version?: number; spare?: unknown } & Record<string, unknown>;
    if (parsed.version !== CACHE_VERSION) return EMPTY_BUILD_CACHE();
    const current = toSiteRecord(parsed);
    if (!current || current.site !== (await currentSite(outDir))) return EMPTY_BUILD_CACHE();
    const spare = typeof parsed.spare === 'object' && parsed.spare !== null ? toSiteRecord(parsed.spare as Record<string, unknown>) : undefined;
    return { ...current, spare: spare?.site === current.site ? undefined : spare };
  } catch {
    return EMPTY_BUILD_CACHE();
  }
}

function toSiteRecord(stored: Record<string, unknown>): SiteRecord | undefined {
  if (typeof stored.site !== 'string') return undefined;
  const strings = (record: unknown) => Object.entries(typeof record === 'object' && record !== null ? record : {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  return {
    site: stored.site,
    marker: typeof stored.marker === 'string' ? stored.marker : undefined,
    collections: new Map(strings(stored.collections)),
    search: new Map(strings(stored.search).map(([k, v]) => [Number(k), v])),
    outputs: new Map(strings(stored.outputs)),
    pages: new Map(strings(stored.pages)),
  };
}

export async function writeBuildCache(outDir: string, cache: BuildCache): Promise<void> {
  const file = cachePath(outDir);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}`;
  const stored = (record: Partial<SiteRecord>) => ({
    site: record.site,
    marker: record.marker,
    collections: Object.fromEntries(record.collections ?? []),
    search: Object.fromEntries(record.search ?? []),
    outputs: Object.fromEntries(record.outputs ?? []),
    pages: Object.fromEntries(record.pages ?? []),
  });
  await writeFile(temporary, `${JSON.stringify({ version: CACHE_VERSION, ...stored(cache), spare: cache.spare && stored(cache.spare) })}\n`);
  await rename(temporary, file);
}

/** sifhub's own code and dependencies: a change to any page template rebuilds everything. */
export async function readCodeFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const files = ['package.json', 'package-lock.json', 'astro.config.mjs'];
  for (const entry of await readdir(path.join(PACKAGE_ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(path.relative(PACKAGE_ROOT, path.join(entry.parentPath, entry.name)));
  }
  for (const file of files.sort()) {
    hash.update(file).update('\0');
    hash.update(await readFile(path.join(PACKAGE_ROOT, file)).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex');
}

/** Where a collection's output lives: a folder of its own in each place, but a file in api/v1/collections. */
const COLLECTION_PLACES = [
  { parent: 'collections', file: false },
  { parent: 'api/container', file: false },
  { parent: 'api/v1/collections', file: true },
  // library:// (to-library.ts): the images' JSON, and S3's redirect objects.
  { parent: 'v1/images', file: false },
  { parent: 'v1/imagefile', file: false },
] as const;

/** The folders holding collections' outputs (and, in `collections/`, shared pages beside them). */
export const COLLECTION_PARENTS: readonly string[] = COLLECTION_PLACES.map((p) => p.parent);

/** The output paths that belong to one collection alone (pages, manifests, API file). */
export function collectionOutputs(collection: string): string[] {
  return COLLECTION_PLACES.map((p) => `${p.parent}/${collection}${p.file ? '.json' : ''}`);
}

/**
 * The collection whose output `rel` is or lies inside (`folder`: `rel` is itself a folder), or
 * undefined for shared output: `collections/index.html` is the site's, `collections/lab/…` lab's.
 */
export function collectionOfOutput(rel: string, folder = false): string | undefined {
  for (const place of COLLECTION_PLACES) {
    if (!rel.startsWith(`${place.parent}/`)) continue;
    const [name, ...inside] = rel.slice(place.parent.length + 1).split('/');
    if (place.file !== (inside.length === 0 && !folder)) return undefined;
    if (!place.file) return name;
    return name!.endsWith('.json') ? name!.slice(0, -'.json'.length) : undefined;
  }
  return undefined;
}

/**
 * A collection's output in `siteDir` as the names and sizes of its files: a reused output must
 * still be what the last build wrote (a restored cache may come with a truncated or partial
 * site). Costs a stat per file, never a read; none for a file in `written` (path → the size the
 * build just wrote).
 */
export async function outputDigest(siteDir: string, collection: string, written?: ReadonlyMap<string, number>): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of collectionOutputs(collection)) {
    const top = path.join(siteDir, rel);
    const info = await lstat(top).catch(() => undefined);
    const files = !info
      ? []
      : info.isDirectory()
        ? (await readdir(top, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
        : [top];
    hash.update(`${rel}\0${files.length}\0`);
    files.sort();
    // Many stats in flight: one at a time, a 10,000-tag registry's took seconds.
    const sizes = await mapConcurrent(files, 64, async (file) => written?.get(path.relative(siteDir, file)) ?? (await lstat(file)).size);
    files.forEach((file, i) => hash.update(`${path.relative(siteDir, file)}\0${sizes[i]}\0`));
  }
  return hash.digest('hex');
}

/** Whether the previous output still holds a file (the cache may outlive the output). */
export async function hasOutput(outDir: string, file: string): Promise<boolean> {
  return stat(path.join(outDir, file)).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Hard-links reused output (collections' folders, search shards) from the current site into the
 * new one: the current site stays whole until the new one replaces it, so a build killed while
 * linking leaves `dist` as it was. A file costs one link, never a copy.
 */
export async function linkOutputs(fromDir: string, toDir: string, paths: Iterable<string>): Promise<void> {
  const links: [string, string][] = [];
  for (const rel of paths) {
    const from = path.join(fromDir, rel);
    const info = await lstat(from).catch(() => undefined);
    // Not every collection has every output (a README-only collection has no manifests).
    if (!info) continue;
    if (!info.isDirectory()) {
      await mkdir(path.dirname(path.join(toDir, rel)), { recursive: true });
      links.push([from, path.join(toDir, rel)]);
      continue;
    }
    await mkdir(path.join(toDir, rel), { recursive: true });
    for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
      const inside = path.relative(from, path.join(entry.parentPath, entry.name));
      const to = path.join(toDir, rel, inside);
      if (entry.isDirectory()) await mkdir(to, { recursive: true });
      else if (entry.isFile()) links.push([path.join(from, inside), to]);
    }
  }
  // Every folder exists by now. Many links in flight: one at a time, a one-record rebuild at
  // 10,000 tags spent 7 s here.
  await mapConcurrent(links, 64, ([from, to]) => link(from, to));
}
