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

/**
 * Parses `git log --first-parent --reverse -M --raw --no-abbrev -z --format=%x1e%H%x1f%cI%x1f%an`
 * (oldest first). `prefix` is the registry folder relative to the repository root, with a
 * trailing slash ("registry/"); paths are returned relative to it.
 */
export function parseGitLog(output: string, prefix: string): FileHistory[] {
  const byPath = new Map<string, FileHistory>();
  const strip = (p: string) => (p.startsWith(prefix) ? p.slice(prefix.length) : undefined);

  for (const chunk of output.split('\x1e')) {
    if (chunk === '') continue;
    const tokens = chunk.split('\0');
    const [commit, rawDate, author] = tokens[0]!.split('\x1f') as [string, string, string];
    const date = toUtc(rawDate);
    for (let i = 1; i < tokens.length; i++) {
      const header = tokens[i]!.trim();
      if (!header.startsWith(':')) continue;
      // ":<old mode> <new mode> <old blob> <new blob> <status>"
      const fields = header.slice(1).split(' ');
      const newBlob = fields[3]!;
      const status = fields[4]!;
      const blob = NO_BLOB.test(newBlob) ? null : newBlob;
      if (status.startsWith('R') || status.startsWith('C')) {
        const from = strip(tokens[++i]!);
        const to = strip(tokens[++i]!);
        if (to === undefined) continue;
        let history = from !== undefined && status.startsWith('R') ? byPath.get(from) : undefined;
        if (history && from !== undefined) {
          byPath.delete(from);
          history.path = to;
        } else {
          history = byPath.get(to) ?? { path: to, changes: [] };
        }
        history.changes.push({ commit, date, author, blob });
        byPath.set(to, history);
      } else {
        const file = strip(tokens[++i]!);
        if (file === undefined) continue;
        const history = byPath.get(file) ?? { path: file, changes: [] };
        history.changes.push({ commit, date, author, blob: status === 'D' ? null : blob });
        byPath.set(file, history);
      }
    }
  }
  return [...byPath.values()];
}

/** Git gives the committer's own offset; the API and pages use UTC ("2024-01-15T10:00:00Z"). */
function toUtc(date: string): string {
  const time = Date.parse(date);
  return Number.isNaN(time) ? date : new Date(time).toISOString().replace('.000Z', 'Z');
}
