import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.ts';
import { git, gitSucceeds } from './run-git.ts';

// Finding the repository a registry folder lives in: its top level, and the folder's path inside
// it (the prefix every git path of a record starts with).

export interface RegistryLocation {
  /** The repository's top-level folder (real path). */
  top: string;
  /** The registry folder relative to the top, "/"-separated; "" when it is the top. */
  relative: string;
}

/** Where `registryDir` sits in its repository; undefined when it is in none. */
export async function findRepository(registryDir: string): Promise<RegistryLocation | undefined> {
  const dir = await realpath(path.resolve(registryDir));
  const top = await git(dir, ['rev-parse', '--show-toplevel']).then((out) => realpath(out.trim()), () => undefined);
  if (top === undefined) return undefined;
  return { top, relative: path.relative(top, dir).split(path.sep).join('/') };
}

/** "registry/" for a registry folder at registry/, "" at the top: what git paths start with. */
export function pathPrefix(relative: string): string {
  return relative === '' ? '' : `${relative}/`;
}

/** The full commit id `ref` names, or an EnvironmentError saying how to fetch it. */
export async function resolveCommit(repoDir: string, ref: string, what: string): Promise<string> {
  const commit = (await git(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '')).trim();
  if (!commit) throw new EnvironmentError(`${what} ${ref}: no such commit in this repository; fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)`);
  return commit;
}

export function hasCommits(repoDir: string): Promise<boolean> {
  return gitSucceeds(repoDir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
}

export async function isShallow(repoDir: string): Promise<boolean> {
  return (await git(repoDir, ['rev-parse', '--is-shallow-repository'])).trim() === 'true';
}
