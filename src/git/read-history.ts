import { EnvironmentError } from '../errors.ts';
import { LOG_FORMAT, parseGitLog, type FileHistory } from './parse-log.ts';
import { findRepository, hasCommits, isShallow, pathPrefix } from './repository.ts';
import { catFileBatch, git, gitSucceeds } from './run-git.ts';

// Stage 4's I/O half: ONE `git log` pass over the registry folder, then ONE `git cat-file
// --batch` for the record versions whose text we do not already hold (the working tree's
// blobs are known from stage 1), so a 100,000-tag history costs two git processes. With the
// history an earlier build read (`kept`), the log is read from that build's commit onward only,
// when that commit is on this one's first-parent line: history cannot change behind it.

export interface History {
  files: FileHistory[];
  /** Text of each requested historical blob. */
  blobs: Map<string, string>;
  /**
   * What a later build can continue from, when worth storing: undefined without commits, and
   * when the kept history this one continued from is only a short log behind (storing it again
   * would cost more than reading that log again).
   */
  kept?: KeptHistory;
}

/** The files' history as of a commit, kept by a build for the next one. */
export interface KeptHistory {
  commit: string;
  /** The registry folder inside the repository, "/"-terminated (the log's path prefix). */
  prefix: string;
  files: FileHistory[];
}

/**
 * `known(blob, path)`: versions whose text is not needed (the working tree's; those whose parse is
 * kept). `wanted(path)`: the files whose old versions' texts are needed (tag records). `at`: the
 * commit whose history it is (a pull request's head); the checked-out one when undefined.
 */
export async function readHistory(
  registryRoot: string,
  known: (blob: string, path: string) => boolean,
  wanted: (path: string) => boolean,
  at?: string,
  kept?: KeptHistory,
): Promise<History> {
  const location = await findRepository(registryRoot);
  if (!location) {
    throw new EnvironmentError(
      `${registryRoot} is not inside a git repository. sifhub reads every tag's version history from git: run \`git init && git add -A && git commit -m "Add records"\` first.`,
    );
  }
  const { top, relative } = location;
  if (await isShallow(top)) {
    throw new EnvironmentError(
      'This is a shallow clone, so older image versions would be missing and their pinned pulls would break. Fetch the full history: `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0).',
    );
  }
  if (at === undefined && !(await hasCommits(top))) return { files: [], blobs: new Map() };
  const commit = (await git(top, ['rev-parse', '--verify', `${at ?? 'HEAD'}^{commit}`])).trim();
  const prefix = pathPrefix(relative);
  const since = kept && kept.prefix === prefix && (await onFirstParentLine(top, kept.commit, commit)) ? kept : undefined;

  // --first-parent: a version is what landed on this branch, not a PR's intermediate commits.
  const log =
    since?.commit === commit
      ? ''
      : await git(top, ['log', '--first-parent', '--reverse', '-M', '--raw', '--no-abbrev', '-z', LOG_FORMAT, since ? `${since.commit}..${commit}` : commit, '--', relative === '' ? '.' : relative]);
  const files = parseGitLog(log, prefix, since?.files);

  const needed = new Set<string>();
  for (const file of files) {
    if (!wanted(file.path)) continue;
    for (const change of file.changes) if (change.blob && !known(change.blob, file.path)) needed.add(change.blob);
  }
  const worthKeeping = since === undefined || log.length > KEEP_AFTER_LOG_BYTES;
  return { files, blobs: await catFileBatch(top, needed), ...(worthKeeping ? { kept: { commit, prefix, files } } : {}) };
}

/** The log since the kept history (about a thousand changed records) a build reads rather than store the history again. */
const KEEP_AFTER_LOG_BYTES = 256 * 1024;

/** Whether `ancestor` is `commit` or on its first-parent line (what `git log --first-parent` walks). */
async function onFirstParentLine(top: string, ancestor: string, commit: string): Promise<boolean> {
  if (ancestor === commit) return true;
  if (!(await gitSucceeds(top, ['merge-base', '--is-ancestor', ancestor, commit]))) return false;
  // The oldest commit after it on the first-parent line must have it as first parent.
  const line = (await git(top, ['rev-list', '--first-parent', '--reverse', `${ancestor}..${commit}`]).catch(() => '')).split('\n', 1)[0];
  return line !== undefined && line !== '' && (await git(top, ['rev-parse', '--verify', `${line}^1`]).catch(() => '')).trim() === ancestor;
}
