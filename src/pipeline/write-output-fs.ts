import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Output I/O: plain files written by the pipeline (Astro cannot emit file names containing `:`),
// into a staging folder that replaces the output folder only when everything succeeded.

/** Files written at once: enough to keep the disk busy, few enough to bound open handles. */
const WRITE_JOBS = 32;

export async function writeFiles(root: string, files: Iterable<{ path: string; text: string }>): Promise<number> {
  const dirs = new Map<string, Promise<unknown>>();
  const queue = files[Symbol.iterator]();
  let count = 0;
  const worker = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const target = path.join(root, next.value.path);
      const dir = path.dirname(target);
      let made = dirs.get(dir);
      if (!made) {
        made = mkdir(dir, { recursive: true });
        dirs.set(dir, made);
      }
      await made;
      await writeFile(target, next.value.text);
      count++;
    }
  };
  await Promise.all(Array.from({ length: WRITE_JOBS }, worker));
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
