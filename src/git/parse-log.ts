// Stage 4's pure half: git's `log --raw -z` output → the history of every record file, renames
// followed. Tested on literal strings; read-history.ts runs git and feeds it here.

export interface FileChange {
  commit: string;
  date: string;
  author: string;
  /** New blob id; null when the change deleted the file. */
  blob: string | null;
}

export interface FileHistory {
  /** Path inside the registry where the file lives now (or last lived, if deleted). */
  path: string;
  /** Oldest first. */
  changes: FileChange[];
}

const NO_BLOB = /^0{40}$|^0{64}$/;

/** What read-history.ts passes to `git log`: every field NUL-separated, as no name can contain NUL. */
export const LOG_FORMAT = '--format=%x00%H%x00%cI%x00%an';

/**
 * Parses `git log --first-parent --reverse -M --raw --no-abbrev -z` with LOG_FORMAT (oldest
 * first). The output is one stream of NUL-separated tokens: "" then commit, date and author for
 * each commit, then "\n:<modes> <blobs> <status>" raw headers, each followed by its one or two
 * paths. Fields are taken by position, never by content, so an author name or file name holding
 * any other byte (\x1e, \x1f, a newline, ":100644 …") is only ever a name. `prefix` is the registry
 * folder relative to the repository root, with a trailing slash ("registry/"); paths are returned
 * relative to it. `before`: the histories up to the commit the output starts after, continued (not changed).
 */
export function parseGitLog(output: string, prefix: string, before: readonly FileHistory[] = []): FileHistory[] {
  const byPath = new Map<string, FileHistory>(before.map((h) => [h.path, { path: h.path, changes: [...h.changes] }]));
  const strip = (p: string | undefined) => (p !== undefined && p.startsWith(prefix) ? p.slice(prefix.length) : undefined);
  const tokens = output.split('\0');
  let current: Omit<FileChange, 'blob'> | undefined;

  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i]!;
    if (token === '') {
      // A commit: "", id, date, author. A trailing "" (the stream's end) has no fields after it.
      if (i + 3 >= tokens.length) break;
      current = { commit: tokens[i + 1]!, date: toUtc(tokens[i + 2]!), author: tokens[i + 3]! };
      i += 4;
      continue;
    }
    const header = token.replace(/^\n/, '');
    if (!current || !header.startsWith(':')) throw new Error(`unexpected git log output at token ${i}: ${JSON.stringify(token.slice(0, 80))}`);
    // ":<old mode> <new mode> <old blob> <new blob> <status>"
    const fields = header.slice(1).split(' ');
    const newBlob = fields[3]!;
    const status = fields[4]!;
    const blob = NO_BLOB.test(newBlob) ? null : newBlob;
    if (status.startsWith('R') || status.startsWith('C')) {
      const from = strip(tokens[i + 1]);
      const to = strip(tokens[i + 2]);
      i += 3;
      if (to === undefined) continue;
      let history = from !== undefined && status.startsWith('R') ? byPath.get(from) : undefined;
      if (history && from !== undefined) {
        byPath.delete(from);
        history.path = to;
      } else {
        history = byPath.get(to) ?? { path: to, changes: [] };
      }
      history.changes.push({ ...current, blob });
      byPath.set(to, history);
    } else {
      const file = strip(tokens[i + 1]);
      i += 2;
      if (file === undefined) continue;
      const history = byPath.get(file) ?? { path: file, changes: [] };
      history.changes.push({ ...current, blob: status === 'D' ? null : blob });
      byPath.set(file, history);
    }
  }
  return [...byPath.values()];
}

/** Git gives the committer's own offset; the API and pages use UTC ("2024-01-15T10:00:00Z"). */
function toUtc(date: string): string {
  const time = Date.parse(date);
  return Number.isNaN(time) ? date : new Date(time).toISOString().replace('.000Z', 'Z');
}
