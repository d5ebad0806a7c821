import { describe, expect, it } from 'vitest';
import { parseGitLog } from '../../src/git/parse-log.ts';

const Z = '0'.repeat(40);
const blob = (n: number) => n.toString(16).padStart(40, 'a');
// As git writes it with LOG_FORMAT and -z (read from its real output).
const commit = (id: string, date: string, author: string, ...entries: string[]) => `\0${id}\0${date}\0${author}\0\n${entries.join('')}`;
const entry = (status: string, oldBlob: string, newBlob: string, ...paths: string[]) => `:100644 100644 ${oldBlob} ${newBlob} ${status}\0${paths.map((p) => `${p}\0`).join('')}`;

describe('parseGitLog', () => {
  it('follows adds, modifications, renames and deletions, oldest first', () => {
    const log = [
      commit('c1', '2024-01-01T00:00:00Z', 'Ada', entry('A', Z, blob(1), 'registry/lab/tool/1.0.md'), entry('A', Z, blob(2), 'registry/lab/tool/old.md')),
      commit('c2', '2024-02-01T00:00:00Z', 'Bob', entry('M', blob(1), blob(3), 'registry/lab/tool/1.0.md')),
      commit('c3', '2024-03-01T00:00:00Z', 'Cy', entry('R100', blob(2), blob(2), 'registry/lab/tool/old.md', 'registry/lab/tool/new.md')),
      commit('c4', '2024-04-01T00:00:00Z', 'Di', entry('D', blob(3), Z, 'registry/lab/tool/1.0.md'), entry('A', Z, blob(9), 'elsewhere/x.md')),
    ].join('');
    expect(parseGitLog(log, 'registry/')).toEqual([
      {
        path: 'lab/tool/1.0.md',
        changes: [
          { commit: 'c1', date: '2024-01-01T00:00:00Z', author: 'Ada', blob: blob(1) },
          { commit: 'c2', date: '2024-02-01T00:00:00Z', author: 'Bob', blob: blob(3) },
          { commit: 'c4', date: '2024-04-01T00:00:00Z', author: 'Di', blob: null },
        ],
      },
      {
        path: 'lab/tool/new.md',
        changes: [
          { commit: 'c1', date: '2024-01-01T00:00:00Z', author: 'Ada', blob: blob(2) },
          { commit: 'c3', date: '2024-03-01T00:00:00Z', author: 'Cy', blob: blob(2) },
        ],
      },
    ]);
  });

  it('handles a registry at the repository root', () => {
    const log = commit('c1', '2024-01-01T00:00:00Z', 'Ada', entry('A', Z, blob(1), 'lab/tool/1.0.md'));
    expect(parseGitLog(log, '')[0]!.path).toBe('lab/tool/1.0.md');
  });

  it('keeps one history when a deleted file comes back', () => {
    const log = [
      commit('c1', '2024-01-01T00:00:00Z', 'Ada', entry('A', Z, blob(1), 'registry/a/b/c.md')),
      commit('c2', '2024-01-02T00:00:00Z', 'Ada', entry('D', blob(1), Z, 'registry/a/b/c.md')),
      commit('c3', '2024-01-03T00:00:00Z', 'Ada', entry('A', Z, blob(2), 'registry/a/b/c.md')),
    ].join('');
    expect(parseGitLog(log, 'registry/')[0]!.changes.map((c) => c.blob)).toEqual([blob(1), null, blob(2)]);
  });
});
