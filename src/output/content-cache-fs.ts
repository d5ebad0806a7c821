import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ContentCache } from '../records/types.ts';
import { cacheDir } from '../package-root-node.ts';

// Work that depends only on a file's content: parsing and checking a record, rendering its
// Markdown, reading an old version's image fields from history. Kept between builds, keyed by
// the content's git blob id (or hash) and sifhub's code, so a rebuild after a one-record change
// parses one record, not the registry. Only what checked out is kept: a record with
// problems is parsed again, so its problems are reported with their lines every time.

const CACHE_VERSION = 2;

/**
 * A rebuild after a small change adds a few entries to tens of thousands: they go to a delta file
 * beside the base, so the build does not write the whole cache again (37 MB and 0.25 s at
 * 10,000 tags). The base is rewritten once what the delta holds, plus the base's entries no
 * longer used, would exceed this share of the cache: it never outgrows the registry by more.
 */
const DELTA_SHARE = 0.05;
/** …or this many entries, whichever is more (a small registry rewrites rarely, and cheaply). */
const DELTA_ENTRIES = 500;

/** A cache that lives for one run: the same answers, nothing read or written. */
export function runCache(): ContentCache {
  return fromEntries(new Map());
}

function fromEntries(previous: ReadonlyMap<string, unknown>): ContentCache & { entries: Map<string, unknown> } {
  // Only entries this run asked for are written back: the cache never outgrows the registry.
  const entries = new Map<string, unknown>();
  return {
    entries,
    memo<T>(kind: string, key: string, compute: () => T | undefined): T | undefined {
      const id = `${kind}\0${key}`;
      if (entries.has(id)) return entries.get(id) as T;
      const value = previous.has(id) ? (previous.get(id) as T) : compute();
      if (value !== undefined) entries.set(id, value);
      return value;
    },
    has: (kind, key) => entries.has(`${kind}\0${key}`) || previous.has(`${kind}\0${key}`),
  };
}

export interface StoredCache extends ContentCache {
  /** Writes what this run used, for the next run. */
  save(): Promise<void>;
}

interface Stored {
  version: number;
  code: string;
  /** The base's id; a delta names the base it adds to. */
  id: string;
  entries: Map<string, unknown>;
}

/** The cache the last build of any registry left with the same sifhub code, or an empty one. */
export async function readContentCache(codeFingerprint: string, options: { ignoreKept?: boolean } = {}): Promise<StoredCache> {
  const baseFile = path.join(cacheDir(), 'content.v8');
  const deltaFile = path.join(cacheDir(), 'content-delta.v8');
  const base = options.ignoreKept ? undefined : await readKept(baseFile, codeFingerprint);
  const delta = base && (await readKept(deltaFile, codeFingerprint));
  const baseEntries = base?.entries ?? new Map<string, unknown>();
  const previous = delta?.id === base?.id && delta ? new Map([...baseEntries, ...delta.entries]) : baseEntries;
  const cache = fromEntries(previous);
  return {
    memo: cache.memo,
    has: cache.has,
    async save() {
      const used = cache.entries;
      let fromBase = 0;
      const added = new Map<string, unknown>();
      for (const [id, value] of used) {
        if (baseEntries.has(id)) fromBase++;
        else added.set(id, value);
      }
      const unusedInBase = baseEntries.size - fromBase;
      if (base && added.size + unusedInBase <= Math.max(DELTA_ENTRIES, used.size * DELTA_SHARE)) {
        const unchanged = unusedInBase === 0 && added.size === (delta?.id === base.id ? delta.entries.size : 0) && [...added.keys()].every((id) => delta?.entries.has(id));
        if (!unchanged) await writeAtomically(deltaFile, { version: CACHE_VERSION, code: codeFingerprint, id: base.id, entries: added });
        return;
      }
      // A new base: the delta of the old one no longer applies (its id says so).
      await writeAtomically(baseFile, { version: CACHE_VERSION, code: codeFingerprint, id: randomUUID(), entries: used });
    },
  };
}

async function writeAtomically(file: string, stored: Stored): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}`;
  await writeFile(temporary, serialize(stored));
  await rename(temporary, file);
}

async function readKept(file: string, codeFingerprint: string): Promise<Stored | undefined> {
  try {
    const stored = deserialize(await readFile(file)) as Partial<Stored>;
    if (stored.version === CACHE_VERSION && stored.code === codeFingerprint && typeof stored.id === 'string' && stored.entries instanceof Map) return stored as Stored;
  } catch {
    // No cache, or one written by another version of Node or sifhub: start empty.
  }
  return undefined;
}
