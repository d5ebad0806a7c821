import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../concurrency.ts';
import { EnvironmentError, type Problem } from '../errors.ts';
import { isRecordPath, MAX_RECORD_BYTES, SCHEMA_FOLDER, NO_SYMLINKS, tooLarge, UNEXPECTED_FOLDER } from './layout.ts';
import type { RegistryFile, RegistryFiles } from './types.ts';

// The registry's files as they are on disk (the working tree). Nothing is interpreted here beyond the folder layout;
// names are only checked later, and no output path is ever built from them before that.

const READ_JOBS = 32;
const WALK_JOBS = 8;

/**
 * `unread`: files git says are unchanged (path → blob id, asked while the folder is walked) whose parse is kept (`kept(blob)`), so
 * they need neither a read nor a hash: their text is read only if something asks for it.
 */
export async function readRegistryFiles(registryDir: string, unread?: { blobs: Promise<ReadonlyMap<string, string>>; kept: (blob: string) => boolean }): Promise<RegistryFiles> {
  const root = path.resolve(registryDir);
  // The folder's display path once, not path.relative() per file (a tenth of a second at 10,000
  // records): `rel` is a walked path, plain names joined by "/".
  const shownRoot = toDisplayPath(root);
  const display = (rel: string) => (rel === '' ? shownRoot : shownRoot === '.' ? rel : shownRoot.endsWith('/') ? `${shownRoot}${rel}` : `${shownRoot}/${rel}`);
  const files: RegistryFile[] = [];
  const problems: Problem[] = [];

  let rootStat;
  try {
    rootStat = await stat(root);
  } catch (error) {
    throw new EnvironmentError(`Cannot read the registry folder ${display('')}: does it exist?`, { cause: error });
  }
  if (!rootStat.isDirectory()) throw new EnvironmentError(`${display('')} is not a folder; pass the registry folder with --registry`);

  // Depth 0 = registry/, 1 = collection, 2 = container. Tag records live at depth 2. Folders are
  // listed side by side (one at a time, a 10,000-tag registry's 3,000 folders took 0.3 s); the
  // files come out in the sorted order of a depth-first walk.
  async function walk(rel: string, depth: number): Promise<string[]> {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    const found = await mapConcurrent(entries, WALK_JOBS, async (entry): Promise<string[]> => {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      // Top-level dot entries (.schema/, .gitkeep) are ours or tooling's; deeper ones are records to check.
      if (depth === 0 && !isRecordPath(entry.name)) return [];
      if (entry.isSymbolicLink()) {
        problems.push({ file: display(childRel), message: NO_SYMLINKS });
      } else if (entry.isDirectory()) {
        if (depth >= 2) problems.push({ file: display(childRel), message: UNEXPECTED_FOLDER });
        else return walk(childRel, depth + 1);
      } else if (entry.isFile()) {
        return [childRel];
      }
      return [];
    });
    return found.flat();
  }
  const found = await walk('', 0);
  const unchanged = await unread?.blobs;

  // Reads run side by side (one at a time costs a thread-pool round trip per file); the list
  // keeps the walk's sorted order.
  const read = await mapConcurrent(found, READ_JOBS, async (rel): Promise<RegistryFile | Problem> => {
    const full = path.join(root, rel);
    // A kept parse means this content was read before and was within the size limit.
    const blob = unchanged?.get(rel);
    if (blob !== undefined && unread!.kept(blob)) return unreadFile(rel, display(rel), blob, full);
    const { size } = await lstat(full);
    if (size > MAX_RECORD_BYTES) return { file: display(rel), message: tooLarge(size) };
    const bytes = await readFile(full);
    return { path: rel, display: display(rel), text: bytes.toString('utf8'), blob: gitBlobId(bytes) };
  });
  for (const item of read) {
    if ('blob' in item) files.push(item);
    else problems.push(item);
  }
  return { root, display: display(''), files, problems, schemaFiles: await readSchemaFiles(root, display) };
}

/** The plain files of .schema/, undefined without the folder; each under the record size limit. */
async function readSchemaFiles(root: string, display: (rel: string) => string): Promise<RegistryFile[] | undefined> {
  const entries = await readdir(path.join(root, SCHEMA_FOLDER), { withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  const files: RegistryFile[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = `${SCHEMA_FOLDER}/${entry.name}`;
    const bytes = entry.isFile() && (await lstat(path.join(root, rel))).size <= MAX_RECORD_BYTES ? await readFile(path.join(root, rel)) : Buffer.alloc(0);
    files.push({ path: rel, display: display(rel), text: bytes.toString('utf8'), blob: gitBlobId(bytes) });
  }
  return files;
}

/** A file whose text is read (once, synchronously) only when first asked for: a kept parse never asks. */
function unreadFile(rel: string, shown: string, blob: string, full: string): RegistryFile {
  let text: string | undefined;
  return {
    path: rel,
    display: shown,
    blob,
    get text() {
      text ??= readFileSync(full, 'utf8');
      return text;
    },
  };
}

export function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function toDisplayPath(absolute: string): string {
  const rel = path.relative(process.cwd(), absolute);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? absolute : rel;
  return shown.split(path.sep).join('/');
}
