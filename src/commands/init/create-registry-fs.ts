import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../../errors.ts';

// Writing a new registry repository's files all at once: into a staging folder beside the
// target, then moved in, so a failure leaves the target as it was.

/** Files `init` may find in the target folder: a fresh `git clone` of an empty repository. */
const ALLOWED = new Set(['.git']);

/** Entries of `dir` that are in the way; [] when it is missing or empty but for .git. */
export async function entriesInTheWay(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') return ['(it is a file)'];
    throw new EnvironmentError(`cannot read ${dir}: ${error.message}`, { cause: error });
  });
  return entries.filter((e) => !ALLOWED.has(e)).sort();
}

/** Writes `files` ("registry/registry.yml" → text) into `dir`, creating it if needed. */
export async function writeRegistryFiles(dir: string, files: Record<string, string>): Promise<void> {
  const target = path.resolve(dir);
  await mkdir(target, { recursive: true });
  const staging = await mkdtemp(path.join(target, '.sifhub-init-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(staging, file)), { recursive: true });
      await writeFile(path.join(staging, file), text);
    }
    for (const entry of await readdir(staging)) await rename(path.join(staging, entry), path.join(target, entry));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
