import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { EnvironmentError } from '../errors.ts';
import { isTagRecordPath, parseGitLog, type FileHistory } from './parse-log.ts';

// Stage 4's I/O half: ONE `git log` pass over the registry folder, then ONE `git cat-file
// --batch` for the record versions whose text we do not already hold (the working tree's
// blobs are known from stage 1), so a 100,000-tag history costs two git processes.

export interface History {
  files: FileHistory[];
  /** Text of each requested historical blob. */
  blobs: Map<string, string>;
}

export async function readHistory(registryRoot: string, knownBlobs: ReadonlySet<string>): Promise<History> {
  const git = simpleGit(registryRoot);
  let top: string;
  try {
    top = (await git.revparse(['--show-toplevel'])).trim();
  } catch (error) {
    throw new EnvironmentError(
      `${registryRoot} is not inside a git repository. sifhub reads every tag's version history from git: run \`git init && git add -A && git commit -m "Add records"\` first.`,
      { cause: error },
    );
  }
  if ((await git.revparse(['--is-shallow-repository'])).trim() === 'true') {
    throw new EnvironmentError(
      'This is a shallow clone, so older image versions would be missing and their pinned pulls would break. Fetch the full history: `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0).',
    );
  }
  const hasCommits = (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim() !== '';
  if (!hasCommits) return { files: [], blobs: new Map() };

  const relative = path.relative(await realpath(top), await realpath(registryRoot)).split(path.sep).join('/');
  const prefix = relative === '' ? '' : `${relative}/`;
  // --first-parent: a version is what landed on this branch, not a PR's intermediate commits.
  const log = await simpleGit(top).raw([
    'log', '--first-parent', '--reverse', '-M', '--raw', '--no-abbrev', '-z',
    '--format=%x1e%H%x1f%cI%x1f%an',
    '--', relative === '' ? '.' : relative,
  ]);
  const files = parseGitLog(log, prefix);

  const wanted = new Set<string>();
  for (const file of files) {
    if (!isTagRecordPath(file.path)) continue;
    for (const change of file.changes) if (change.blob && !knownBlobs.has(change.blob)) wanted.add(change.blob);
  }
  return { files, blobs: await readBlobs(top, wanted) };
}

export async function readBlobs(repoDir: string, ids: ReadonlySet<string>): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  if (ids.size === 0) return blobs;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const feeding = (async () => {
    for (const id of ids) {
      if (!child.stdin.write(`${id}\n`)) await new Promise((r) => child.stdin.once('drain', r));
    }
    child.stdin.end();
  })();

  // Output: "<id> blob <size>\n<content>\n" per object; content may hold any bytes.
  let buffer: Buffer = Buffer.alloc(0);
  let pending: { id: string; size: number } | undefined;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!pending) {
        const newline = buffer.indexOf(10);
        if (newline === -1) break;
        const [id, type, size] = buffer.subarray(0, newline).toString().split(' ');
        buffer = buffer.subarray(newline + 1);
        if (type !== 'blob') continue; // "<id> missing"
        pending = { id: id!, size: Number(size) };
      }
      if (buffer.length < pending.size + 1) break;
      blobs.set(pending.id, buffer.subarray(0, pending.size).toString('utf8'));
      buffer = buffer.subarray(pending.size + 1);
      pending = undefined;
    }
  }
  await feeding;
  const code = await exited;
  if (code !== 0) throw new EnvironmentError(`git cat-file failed (exit ${code}): ${stderr.trim()}`);
  return blobs;
}

