import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../concurrency.ts';
import { shardOfBundle } from '../site/urls.ts';
import { COLLECTION_PARENTS, collectionOfOutput, linkOutputs } from './build-cache-fs.ts';

// A site folder as the pieces a rebuild keeps or replaces whole: each collection's outputs, each
// search shard's bundle, and the shared files (home, topics, labels, assets, registry-wide API).
// A rebuild turns the site before last (the spare) into the new site by replacing only the pieces
// that differ, so its cost follows the change, not the registry: the current site is
// never touched, and `dist` switches to the finished spare with one rename.

/** Who a piece of the site belongs to: `collection:NAME`, `shard:N`, or `shared`. */
export type Owner = `collection:${string}` | `shard:${number}` | 'shared';

export interface Unit {
  /** Relative to the site folder, '/'-separated. */
  path: string;
  owner: Owner;
}

/**
 * The pieces of a site folder: each collection's outputs (build-cache-fs's collectionOutputs),
 * each shard's bundle (searchBundlePath), and every other entry, shared.
 */
export async function listUnits(siteDir: string): Promise<Unit[]> {
  const units: Unit[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(siteDir, rel), { withFileTypes: true }).catch(() => [])) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const collection = collectionOfOutput(child, entry.isDirectory());
      const shard = rel === '' && entry.isDirectory() ? shardOfBundle(entry.name) : undefined;
      if (collection !== undefined) units.push({ path: child, owner: `collection:${collection}` });
      else if (shard !== undefined) units.push({ path: child, owner: `shard:${shard}` });
      else if (entry.isDirectory() && COLLECTION_PARENTS.some((parent) => parent === child || parent.startsWith(`${child}/`))) await visit(child);
      else units.push({ path: child, owner: 'shared' });
    }
  };
  await visit('');
  return units;
}

/**
 * Makes `target` (the spare: an older complete site) the new site: its pieces that `keep` refuses
 * are removed, every piece of `staging` (what this build wrote) is moved in, and `link` (pieces
 * kept from the current site that the spare lacks) are hard-linked from `current`. `staging` is
 * left empty of files.
 */
export async function assembleInPlace(target: string, staging: string, options: { keep: (owner: Owner) => boolean; current: string; link: string[] }): Promise<void> {
  const kept = new Set<Owner>();
  const stale: string[] = [];
  for (const unit of await listUnits(target)) {
    if (unit.owner !== 'shared' && options.keep(unit.owner)) kept.add(unit.owner);
    else stale.push(unit.path);
  }
  await mapConcurrent(stale, 16, (rel) => rm(path.join(target, rel), { recursive: true, force: true }));
  const made = new Set<string>();
  for (const unit of await listUnits(staging)) {
    // A piece the spare already holds as this build would write it (a change reverted) stays.
    if (kept.has(unit.owner)) continue;
    const to = path.join(target, unit.path);
    const parent = path.dirname(to);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    await rename(path.join(staging, unit.path), to);
  }
  await linkOutputs(options.current, target, options.link);
}

/**
 * Which folder this is, on this disk: its inode and the time its entries last changed. A site
 * restored from a CI cache (or copied) is a new folder with another marker, so what a build
 * recorded about it is checked file by file again instead of trusted.
 */
export async function siteMarker(siteDir: string): Promise<string | undefined> {
  const info = await stat(siteDir, { bigint: true }).catch(() => undefined);
  return info?.isDirectory() ? `${info.dev}:${info.ino}:${info.ctimeNs}` : undefined;
}

/** Whether `dir` is a folder (not a link). */
export async function isFolder(dir: string): Promise<boolean> {
  return lstat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
