import { chmod, lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../concurrency.ts';

// Output I/O: plain files written by the pipeline (Astro cannot emit file names containing `:`),
// into a staging folder that replaces the output folder only when everything succeeded.

// Creating a file costs several file-system round trips, each waiting on the disk: many in flight
// (folders made first, one at a time, each once) keep it busy. On this project's bench disk 16 at
// a time wrote 36,600 manifest and API files in about half the time of one at a time.
const WRITE_JOBS = 16;

/** Writes each file under `root`; `sizes` hears each one's size in bytes, by its path. */
export async function writeFiles(root: string, files: Iterable<{ path: string; text: string }>, sizes?: Map<string, number>): Promise<number> {
  const made = new Set<string>();
  const targets: { target: string; text: string }[] = [];
  for (const file of files) {
    const target = path.join(root, file.path);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    targets.push({ target, text: file.text });
    sizes?.set(file.path, Buffer.byteLength(file.text));
  }
  await mapConcurrent(targets, WRITE_JOBS, ({ target, text }) => writeFile(target, text));
  return targets.length;
}

// The output folder is a symbolic link to a complete site in `.<out>-sites/` beside it, and a
// build switches it with one rename of a new link over the old one: atomic on POSIX file
// systems, so a build killed at any moment leaves `dist` the old complete site or the new one,
// never a part of either. Static hosts' uploaders follow the link (GitHub's
// upload-pages-artifact tars with --dereference), as do web servers and `sifhub serve`.
// Folders a killed build left behind are named for its process and removed by the next build.

/** `.dist-sites/` for `dist`: where the complete sites live. */
export function sitesDir(outDir: string): string {
  const target = path.resolve(outDir);
  return path.join(path.dirname(target), `.${path.basename(target)}-sites`);
}

/** A fresh folder for the next site, after removing what killed builds left behind (all but `spare`, the site before the current one). */
export async function makeStagingDir(outDir: string, spare?: string): Promise<string> {
  const sites = sitesDir(outDir);
  await mkdir(sites, { recursive: true });
  await removeAbandoned(outDir, spare);
  return readableDir(await mkdtemp(path.join(sites, `${process.pid}-`)));
}

/**
 * `dir`, made readable by every user (0755): mkdtemp makes folders its owner's alone, and a web
 * server running as www-data or nobody then answers 403 on every page. Files and the folders
 * inside are written with the usual modes (0644, 0755 under umask 022), as cp would.
 */
export async function readableDir(dir: string): Promise<string> {
  await chmod(dir, 0o755);
  return dir;
}

/** The site folder `outDir` links to today; undefined when it is no link (absent, or a folder from before sifhub linked it). */
export async function currentSite(outDir: string): Promise<string | undefined> {
  const target = await readlink(path.resolve(outDir)).catch(() => undefined);
  return target === undefined ? undefined : path.resolve(path.dirname(path.resolve(outDir)), target);
}

/**
 * Makes `outDir` the complete site in `staging` with one atomic rename of a link, then removes
 * the previous site unless it is kept as the next build's spare. An `outDir` that is a plain
 * folder (an older sifhub's output) is moved aside first: that one-time step is not atomic.
 */
export async function replaceDir(staging: string, outDir: string, options: { keepPrevious?: boolean } = {}): Promise<void> {
  const target = path.resolve(outDir);
  const previous = await currentSite(outDir);
  const link = `${sitesDir(outDir)}/${process.pid}.link`;
  await rm(link, { force: true });
  await symlink(path.relative(path.dirname(target), staging), link);
  const plain = previous === undefined && (await lstat(target).then((s) => s.isDirectory(), () => false));
  const aside = `${sitesDir(outDir)}/${process.pid}-before-links`;
  if (plain) await rename(target, aside);
  await rename(link, target);
  if (plain) await rm(aside, { recursive: true, force: true });
  if (previous !== undefined && previous !== staging && !options.keepPrevious) await rm(previous, { recursive: true, force: true });
}

/** A folder or link in `.<out>-sites/` whose build process is gone, and which is neither `outDir`'s site nor `spare`. */
async function removeAbandoned(outDir: string, spare: string | undefined): Promise<void> {
  const sites = sitesDir(outDir);
  const current = await currentSite(outDir);
  for (const name of await readdir(sites).catch(() => [] as string[])) {
    const full = path.join(sites, name);
    const pid = Number(/^(\d+)[-.]/.exec(name)?.[1]);
    if (full === current || full === spare || (Number.isSafeInteger(pid) && isAlive(pid))) continue;
    await rm(full, { recursive: true, force: true });
  }
  // Staging folders of sifhub versions before the link (`.dist-building-*`).
  const parent = path.dirname(path.resolve(outDir));
  const old = `.${path.basename(path.resolve(outDir))}-building-`;
  for (const name of await readdir(parent).catch(() => [] as string[])) if (name.startsWith(old)) await rm(path.join(parent, name), { recursive: true, force: true });
}

/** Whether a process with this id runs (a build that may still be writing its folder). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
