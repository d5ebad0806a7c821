import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { GitError } from '../errors.ts';

// The one way sifhub runs git: `git(cwd, args)` for a command's whole output, `catFileBatch`
// for many objects through one process. A missing git is an environment error that says so.

const run = promisify(execFile);

const gitMissing = (cause: unknown) => new GitError('git is not installed; sifhub reads and writes the registry with it', { cause });

export async function git(cwd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; code?: string | number; message: string };
    if (e.code === 'ENOENT') throw gitMissing(error);
    throw new GitError(`git ${args[0]} failed: ${(e.stderr || e.message).trim()}`, { cause: error });
  }
}

/** Whether git succeeds (a ref exists, a remote is configured); its output is ignored. */
export function gitSucceeds(cwd: string, args: readonly string[]): Promise<boolean> {
  return git(cwd, args).then(() => true, () => false);
}

/**
 * The text of each blob in `ids`, read with one `git cat-file --batch`, whatever their number.
 * Ids the repository lacks are left out.
 */
export async function catFileBatch(repoDir: string, ids: ReadonlySet<string>): Promise<Map<string, string>> {
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
  const code = await exited.catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? gitMissing(error) : error;
  });
  if (code !== 0) throw new GitError(`git cat-file failed (exit ${code}): ${stderr.trim()}`);
  return blobs;
}
