import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { lstat, mkdir, readdir, readlink, realpath, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.ts';

const execFileAsync = promisify(execFile);

// `sifhub deploy DIR`: a built site installed into a folder a web server on this machine serves.
// Each deploy copies the site into DIR/sites/ (a copy, not links to the build's folders: the next
// build may update the files of its own folders in place) and switches DIR/current to it with one rename of a symbolic
// link, so the server answers from the old site or the new one, never a mix. The site before is
// kept until the next deploy (switch back by pointing DIR/current at it); older ones are removed.

export interface DirDeployment {
  /** The new site's folder, DIR/sites/NAME. */
  site: string;
  /** The site DIR/current named before, kept; undefined on a first deploy. */
  previous?: string;
  /** Older sites removed. */
  removed: string[];
}

export async function deployToDir(builtDir: string, targetDir: string): Promise<DirDeployment> {
  const source = await realpath(builtDir).catch(() => undefined);
  if (!source || !(await stat(path.join(source, 'api/v1/registry.json')).catch(() => undefined))) {
    throw new EnvironmentError(`${builtDir}/ holds no built site; run \`sifhub build\` first`);
  }
  const target = path.resolve(targetDir);
  const sites = path.join(target, 'sites');
  // Readable by the web server's user, whatever the umask of whoever deploys.
  await mkdir(sites, { recursive: true, mode: 0o755 });
  const current = path.join(target, 'current');
  const previous = await currentSite(current);
  const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const site = path.join(sites, name);
  const partial = `${site}.partial`;
  try {
    // cp -a keeps modes and, within the site, hard links: an image `library: site` serves under
    // several names is stored once.
    await execFileAsync('cp', ['-a', '--', `${source}/.`, partial]);
    await rename(partial, site);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw new EnvironmentError(`copying ${builtDir}/ into ${sites}/ failed; ${current} still names the site it named: ${(error as Error).message}`, { cause: error });
  }
  const link = path.join(target, `.current-${process.pid}`);
  await rm(link, { force: true });
  await symlink(path.join('sites', name), link);
  await rename(link, current);
  const removed: string[] = [];
  for (const entry of await readdir(sites)) {
    const folder = path.join(sites, entry);
    if (folder === site || folder === previous) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return { site, ...(previous ? { previous } : {}), removed };
}

/** The site folder DIR/current links to, or undefined (no link yet). */
async function currentSite(current: string): Promise<string | undefined> {
  const info = await lstat(current).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isSymbolicLink()) throw new EnvironmentError(`${current} is not a symbolic link that sifhub deploy made; move it away, then deploy again`);
  return path.resolve(path.dirname(current), await readlink(current));
}
