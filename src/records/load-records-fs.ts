import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.ts';
import { checkRecord, type CheckedRecord, type RecordKind } from './check-record.ts';
import { checkRegistry, isParseKept } from './check-registry.ts';
import { checkTagRecordsAside } from './check-records-aside-node.ts';
import { checkSignerKeys, NO_KEYS, type RegistryKeys } from './check-signer-keys.ts';
import { unchangedBlobs } from '../git/unchanged-blobs.ts';
import { readRegistryFiles, toDisplayPath } from './read-registry-fs.ts';
import { readRegistryAt } from './read-registry-git.ts';
import { untimed, type Timer } from '../timer.ts';
import type { Checked, ContentCache, RegistryFiles } from './types.ts';

// Records from disk (or a commit), read and checked: every record of a registry (build, validate, verify), or
// one record (share, and submit through git). What goes wrong with a record comes back as
// problems; what goes wrong around it (no such folder) is an EnvironmentError.

export interface LoadedRecords {
  files: RegistryFiles;
  checked: Checked;
  /** The registry's signer keys, checked with the records (none when the records are not valid). */
  keys: RegistryKeys;
}

/**
 * `at` reads the records from a commit instead of the working tree (a pull request's head: never
 * checked out). `cache` keeps each record's parse by its blob id; `time` times the read and the check.
 */
export async function loadRecords(registryDir: string, options: { at?: string; cache?: ContentCache; time?: Timer } = {}): Promise<LoadedRecords> {
  const time = options.time ?? untimed;
  const { at, cache } = options;
  const files = await time('load', () => {
    if (at !== undefined) return readRegistryAt(registryDir, at, '--head');
    // With parses kept from earlier runs, files git says are unchanged are not read again.
    return readRegistryFiles(registryDir, cache && { blobs: unchangedBlobs(registryDir), kept: (blob) => isParseKept(cache, blob) });
  });
  const checked = await time('validate', async () => {
    const aside = await checkTagRecordsAside(files.files, cache);
    const records = checkRegistry(files.files, files.problems, files.display, cache, aside);
    if (!records.ok) return { checked: records, keys: NO_KEYS };
    const { problems, keys } = await checkSignerKeys(records.registry);
    return { checked: problems.length > 0 ? ({ ok: false, problems } as const) : records, keys };
  });
  return { files, ...checked };
}

/** One record of the registry on disk, checked; undefined when there is no such file. */
export async function readRecord<K extends RecordKind>(registryDir: string, recordPath: string, kind: K): Promise<{ display: string; checked: CheckedRecord<K> } | undefined> {
  const full = path.join(registryDir, recordPath);
  const display = toDisplayPath(path.resolve(full));
  const text = await readFile(full, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw new EnvironmentError(`cannot read ${display}: ${error.message}`, { cause: error });
  });
  if (text === undefined) return undefined;
  return { display, checked: checkRecord({ display, text }, kind) };
}
