import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ContentCache } from '../records/types.ts';
import { cacheDir } from './build-cache-fs.ts';

// Work that depends only on a file's content: parsing and checking a record, rendering its
// Markdown, reading an old version's image fields from history. Kept between builds, keyed by
// the content's git blob id (or hash) and sifhub's code, so a rebuild after a one-record change
// parses one record, not the registry. Only what checked out is kept: a record with
// problems is parsed again, so its problems are reported with their lines every time.

const CACHE_VERSION = 1;

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

/** The cache the last build of any registry left with the same sifhub code, or an empty one. */
export async function readContentCache(codeFingerprint: string, options: { ignoreKept?: boolean } = {}): Promise<StoredCache> {
  const file = path.join(cacheDir(), 'content.v8');
  const cache = fromEntries(options.ignoreKept ? new Map() : await readKept(file, codeFingerprint));
  return {
    memo: cache.memo,
    has: cache.has,
    async save() {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}`;
      await writeFile(temporary, serialize({ version: CACHE_VERSION, code: codeFingerprint, entries: cache.entries }));
      await rename(temporary, file);
    },
  };
}

async function readKept(file: string, codeFingerprint: string): Promise<ReadonlyMap<string, unknown>> {
  try {
    const stored = deserialize(await readFile(file)) as { version?: number; code?: string; entries?: unknown };
    if (stored.version === CACHE_VERSION && stored.code === codeFingerprint && stored.entries instanceof Map) return stored.entries;
  } catch {
    // No cache, or one written by another version of Node or sifhub: start empty.
  }
  return new Map();
}
