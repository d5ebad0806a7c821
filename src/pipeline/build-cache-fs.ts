import { createHash } from 'node:crypto';
import { link, lstat, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../concurrency.ts';
import { PACKAGE_ROOT } from '../package-root-node.ts';
import { currentSite } from './write-output-fs.ts';

// The record of what the last build wrote, so the next one can reuse it. It lives where build
// tools keep caches, node_modules/.cache/ (or SIFHUB_CACHE_DIR, which CI saves and restores),
// one file per output folder: never inside the output (it would be deployed). A restored cache
// is checked, not trusted: output is reused only when its inputs' key matches and its files are
// still the ones the last build wrote (names and sizes).

const CACHE_VERSION = 4;

export interface BuildCache {
  /** The site folder (in `.<out>-sites/`) the keys describe: the cache holds only while the output links to it. */
  site?: string;
  /** Collection → the key its output in the output folder was built from. */
  collections: Map<string, string>;
  /** Search shard → the key its bundle was built from. */
  search: Map<number, string>;
  /** Collection → outputDigest() of what the build wrote for it. */
  outputs: Map<string, string>;
}

export const EMPTY_BUILD_CACHE = (): BuildCache => ({ collections: new Map(), search: new Map(), outputs: new Map() });

/** SIFHUB_CACHE_DIR, else node_modules/.cache/sifhub/ of this checkout of sifhub. */
export function cacheDir(): string {
  const chosen = process.env.SIFHUB_CACHE_DIR;
  return chosen ? path.resolve(chosen) : path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'sifhub');
}

export function cachePath(outDir: string): string {
  const id = createHash('sha256').update(path.resolve(outDir)).digest('hex').slice(0, 16);
  return path.join(cacheDir(), `build-${id}.json`);
}

/** The last build's cache, or an empty one when there is none or it cannot be trusted. */
export async function readBuildCache(outDir: string): Promise<BuildCache> {
  try {
    const parsed = JSON.parse(await readFile(cachePath(outDir), 'utf8')) as { version?: number; site?: unknown; collections?: Record<string, unknown>; search?: Record<string, unknown>; outputs?: Record<string, unknown> };
    if (parsed.version !== CACHE_VERSION || typeof parsed.site !== 'string' || parsed.site !== (await currentSite(outDir))) return EMPTY_BUILD_CACHE();
    const strings = (record: Record<string, unknown> | undefined) => Object.entries(record ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
    return {
      site: parsed.site,
      collections: new Map(strings(parsed.collections)),
      search: new Map(strings(parsed.search).map(([k, v]) => [Number(k), v])),
      outputs: new Map(strings(parsed.outputs)),
    };
  } catch {
    return EMPTY_BUILD_CACHE();
  }
}

export async function writeBuildCache(outDir: string, cache: BuildCache): Promise<void> {
  const file = cachePath(outDir);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}`;
  await writeFile(
    temporary,
    `${JSON.stringify({ version: CACHE_VERSION, site: cache.site, collections: Object.fromEntries(cache.collections), search: Object.fromEntries(cache.search), outputs: Object.fromEntries(cache.outputs) })}\n`,
  );
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

/** The output paths that belong to one collection alone (pages, manifests, API file). */
export function collectionOutputs(collection: string): string[] {
  return [`collections/${collection}`, `api/container/${collection}`, `api/v1/collections/${collection}.json`];
}

/**
 * A collection's output in `siteDir` as the names and sizes of its files: a reused output must
 * still be what the last build wrote (a restored cache may come with a truncated or partial
 * site). Costs a stat per file, never a read.
 */
export async function outputDigest(siteDir: string, collection: string): Promise<string> {
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
    const sizes = await mapConcurrent(files, 64, async (file) => (await lstat(file)).size);
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
