import { EnvironmentError } from '../errors.ts';
import { LOG_FORMAT, parseGitLog, type FileHistory } from './parse-log.ts';
import { findRepository, hasCommits, isShallow, pathPrefix } from './repository.ts';
import { catFileBatch, git } from './run-git.ts';

// Stage 4's I/O half: ONE `git log` pass over the registry folder, then ONE `git cat-file
// --batch` for the record versions whose text we do not already hold (the working tree's
// blobs are known from stage 1), so a 100,000-tag history costs two git processes.

export interface History {
  files: FileHistory[];
  /** Text of each requested historical blob. */
  blobs: Map<string, string>;
}

/**
 * `wanted(path)`: the files whose old versions' texts are needed (tag records). `at`: the commit
 * whose history it is (a pull request's head); the checked-out one when undefined.
 */
export async function readHistory(registryRoot: string, knownBlobs: ReadonlySet<string>, wanted: (path: string) => boolean, at?: string): Promise<History> {
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

  // --first-parent: a version is what landed on this branch, not a PR's intermediate commits.
  const log = await git(top, [
    'log', '--first-parent', '--reverse', '-M', '--raw', '--no-abbrev', '-z',
    LOG_FORMAT,
    ...(at === undefined ? [] : [at]),
    '--', relative === '' ? '.' : relative,
  ]);
  const files = parseGitLog(log, pathPrefix(relative));

  const needed = new Set<string>();
  for (const file of files) {
    if (!wanted(file.path)) continue;
    for (const change of file.changes) if (change.blob && !knownBlobs.has(change.blob)) needed.add(change.blob);
  }
  return { files, blobs: await catFileBatch(top, needed) };
}
