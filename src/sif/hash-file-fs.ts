import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Progress } from '../progress.ts';

export interface FileHashes {
  sha256: string;
  md5: string;
  size: number;
}

const CHUNK = 4 * 1024 * 1024;
/** Chunks handed to the worker and not yet hashed, at most: the reader waits beyond it. */
const AHEAD = 4;

// md5 runs on a second core: each chunk, once sha256 has it, is handed (transferred, not
// copied) to a worker thread. Inline JavaScript rather than a module file, so the same code
// runs from src/ under Node's type stripping and from the compiled package.
const MD5_WORKER = `
const { parentPort } = require('node:worker_threads');
const md5 = require('node:crypto').createHash('md5');
parentPort.on('message', (chunk) => {
  if (chunk === null) return parentPort.postMessage({ md5: md5.digest('hex') });
  md5.update(new Uint8Array(chunk.buffer, 0, chunk.length));
  parentPort.postMessage({ hashed: chunk.length });
});
`;

/**
 * sha256 and md5 of a file in one read, side by side on two cores; memory stays at a few chunks
 * whatever the file size. `npm run bench:hash` compares it with openssl and coreutils. `observe`
 * sees each chunk at its offset before it is handed on (signature digests, sif-signatures-node.ts).
 */
export async function hashFile(file: string, progress?: Progress, observe?: (offset: number, chunk: Uint8Array) => void): Promise<FileHashes> {
  const handle = await open(file, 'r');
  const worker = new Worker(MD5_WORKER, { eval: true });
  try {
    let ahead = 0;
    let caughtUp: (() => void) | undefined;
    const md5 = new Promise<string>((resolve, reject) => {
      worker.on('message', (message: { md5?: string; hashed?: number }) => {
        if (message.md5 !== undefined) return resolve(message.md5);
        ahead--;
        caughtUp?.();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the md5 worker stopped (exit code ${code})`)));
    });
    // The worker failing must end a wait for it too.
    const failed = md5.then(() => undefined);
    failed.catch(() => {}); // reported through md5 when nothing was waiting
    const sha256 = createHash('sha256');
    let size = 0;
    for (;;) {
      // A buffer of its own each time: it is handed to the worker once read.
      const buffer = new Uint8Array(new ArrayBuffer(CHUNK));
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      sha256.update(buffer.subarray(0, bytesRead));
      observe?.(size, buffer.subarray(0, bytesRead));
      worker.postMessage({ buffer: buffer.buffer, length: bytesRead }, [buffer.buffer]);
      ahead++;
      while (ahead >= AHEAD) await Promise.race([new Promise<void>((resolve) => (caughtUp = resolve)), failed]);
      size += bytesRead;
      progress?.update(size);
    }
    worker.postMessage(null);
    const hashes = { sha256: sha256.digest('hex'), md5: await md5, size };
    progress?.finish();
    return hashes;
  } finally {
    await handle.close();
    await worker.terminate();
  }
}
