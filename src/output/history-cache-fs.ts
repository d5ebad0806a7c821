import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { KeptHistory } from '../git/read-history.ts';
import { cacheDir } from '../package-root-node.ts';

// The registry's history as the last build read it, so the next one reads git's log from that
// commit onward only. One file per registry folder, beside the other caches; it
// holds for the sifhub code that wrote it. read-history.ts decides whether it still applies
// (its commit must be on the new commit's first-parent line).

const CACHE_VERSION = 1;

export interface HistoryStore {
  read(): Promise<KeptHistory | undefined>;
  write(history: KeptHistory): Promise<void>;
}

/** `fresh`: nothing is read (the history is read whole), and what is read is kept. */
export function historyStore(registryRoot: string, codeFingerprint: string, options: { fresh?: boolean } = {}): HistoryStore {
  const id = createHash('sha256').update(path.resolve(registryRoot)).digest('hex').slice(0, 16);
  const file = path.join(cacheDir(), `history-${id}.v8`);
  let readCommit: string | undefined;
  return {
    async read() {
      if (options.fresh) return undefined;
      try {
        const stored = deserialize(await readFile(file)) as { version?: number; code?: string; history?: KeptHistory };
        if (stored.version !== CACHE_VERSION || stored.code !== codeFingerprint || typeof stored.history?.commit !== 'string' || !Array.isArray(stored.history.files)) return undefined;
        readCommit = stored.history.commit;
        return stored.history;
      } catch {
        return undefined;
      }
    },
    async write(history) {
      if (history.commit === readCommit) return;
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}`;
      await writeFile(temporary, serialize({ version: CACHE_VERSION, code: codeFingerprint, history }));
      await rename(temporary, file);
    },
  };
}
