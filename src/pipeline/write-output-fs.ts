import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Output I/O: plain files written by the pipeline (Astro cannot emit file names containing `:`),
// into a staging folder that replaces the output folder only when everything succeeded.

// One file at a time: creating files is bound by the file system's metadata work, and measured
// here (npm run bench) parallel writes were no faster.
export async function writeFiles(root: string, files: Iterable<{ path: string; text: string }>): Promise<number> {
  const made = new Set<string>();
  let count = 0;
  for (const file of files) {
    const target = path.join(root, file.path);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await writeFile(target, file.text);
    count++;
  }
  return count;
}

/** A fresh folder beside `outDir` (same file system, so the final rename is cheap). */
export async function makeStagingDir(outDir: string): Promise<string> {
  const parent = path.dirname(path.resolve(outDir));
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, `.${path.basename(outDir)}-building-`));
}

/** Puts `staging` in place of `outDir`; the previous output is removed only afterwards. */
export async function replaceDir(staging: string, outDir: string): Promise<void> {
  const target = path.resolve(outDir);
  const old = `${staging}-previous`;
  let hadOld = true;
  try {
    await rename(target, old);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    hadOld = false;
  }
  await rename(staging, target);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Files and bytes under `dir`. */
export async function measureDir(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const { size } = await stat(path.join(entry.parentPath, entry.name));
    files += 1;
    bytes += size;
  }
  return { files, bytes };
}
