import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitError } from '../errors.ts';
import { findRepository, pathPrefix } from './repository.ts';
import { git, gitSucceeds } from './run-git.ts';

// A submission's git side. The records are committed on a new branch through a temporary
// worktree, so the person's own checkout (its branch, its uncommitted edits) is never touched,
// and a failure anywhere leaves no branch behind.

export interface RegistryRepository {
  root: string;
  /** The registry folder relative to the repository root, e.g. "registry". */
  registryPath: string;
  /** The commit submissions branch from (HEAD), and its branch name when not detached. */
  base: string;
  baseBranch?: string;
  /** A record's text at the base commit, or undefined when it does not exist there. */
  readAtBase(recordPath: string): Promise<string | undefined>;
}

export async function openRegistryRepository(registryDir: string): Promise<RegistryRepository> {
  await realpath(registryDir).catch(() => {
    throw new GitError(`${registryDir}/ does not exist (run sifhub submit from your registry's clone, or pass --registry)`);
  });
  const location = await findRepository(registryDir);
  if (!location) throw new GitError(`${registryDir}/ is not inside a git repository; submit commits the record on a branch of your registry's clone`);
  const { top: root, relative: registryPath } = location;
  const base = (await git(root, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  const baseBranch = (await git(root, ['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim() || undefined;
  return {
    root,
    registryPath,
    base,
    baseBranch,
    async readAtBase(recordPath) {
      return git(root, ['cat-file', '-p', `${base}:${pathPrefix(registryPath)}${recordPath}`]).catch(() => undefined);
    },
  };
}

export interface CommitInput {
  repository: RegistryRepository;
  branch: string;
  /** Paths relative to the registry folder → new content. */
  files: Record<string, string>;
  message: string;
}

/** Commits `files` on a new branch from the base; returns the commit id. */
export async function commitOnBranch({ repository, branch, files, message }: CommitInput): Promise<string> {
  const { root } = repository;
  const exists = await gitSucceeds(root, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`]);
  if (exists) throw new GitError(`branch ${branch} already exists (from an earlier run with the same change?); push it, or delete it with \`git branch -D ${branch}\` and run the command again`);
  const worktree = await mkdtemp(path.join(tmpdir(), 'sifhub-submit-'));
  let created = false;
  try {
    await git(root, ['worktree', 'add', '--quiet', '-b', branch, worktree, repository.base]);
    created = true;
    const paths: string[] = [];
    for (const [file, text] of Object.entries(files)) {
      const target = path.join(worktree, repository.registryPath, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
      paths.push(path.relative(worktree, target));
    }
    await git(worktree, ['add', '--', ...paths]);
    await git(worktree, ['commit', '--quiet', '--no-verify', '-m', message]).catch((error: GitError) => {
      if (/Please tell me who you are|user\.email|empty ident/i.test(error.message)) {
        throw new GitError('git does not know who you are; set it with `git config --global user.name "Your Name"` and `git config --global user.email you@example.org`, then run the command again', { cause: error });
      }
      throw error;
    });
    return (await git(worktree, ['rev-parse', 'HEAD'])).trim();
  } catch (error) {
    if (created) await git(root, ['branch', '-D', branch]).catch(() => undefined);
    throw error;
  } finally {
    await git(root, ['worktree', 'remove', '--force', worktree]).catch(() => undefined);
    await rm(worktree, { recursive: true, force: true });
    await git(root, ['worktree', 'prune']).catch(() => undefined);
  }
}

/** Pushes the branch; on failure deletes it, so a rerun starts clean. */
export async function pushBranch(repository: RegistryRepository, remote: string, branch: string): Promise<void> {
  try {
    await git(repository.root, ['push', '--quiet', remote, `refs/heads/${branch}:refs/heads/${branch}`]);
  } catch (error) {
    await git(repository.root, ['branch', '-D', branch]).catch(() => undefined);
    throw new GitError(`${(error as Error).message}\nNothing is left behind: the branch was deleted (an uploaded image stays, and is reused). Fix access to ${remote}, then run the same command again.`, { cause: error });
  }
}

/** owner/repo of a GitHub remote (https, ssh or scp-like), or undefined for any other remote. */
export async function githubRemote(repository: RegistryRepository, remote: string, serverHost: string): Promise<{ owner: string; repo: string } | undefined> {
  const url = (await git(repository.root, ['remote', 'get-url', remote]).catch(() => '')).trim();
  const host = serverHost.replace(/[.]/g, '\\.');
  const match = new RegExp(`^(?:https://(?:[^@/]+@)?${host}/|ssh://git@${host}/|git@${host}:)([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100}?)(?:\\.git)?/?$`).exec(url);
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

export async function remoteExists(repository: RegistryRepository, remote: string): Promise<boolean> {
  return gitSucceeds(repository.root, ['remote', 'get-url', remote]);
}
