import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Progress } from '../progress.ts';

export interface FileHashes {
  sha256: string;
  md5: string;
  size: number;
}

/**
 * sha256 and md5 in one streaming pass: memory stays at one chunk whatever the file size.
 * OpenSSL's SHA-256 (SHA-NI where the CPU has it) keeps this faster than `sha256sum` and
 * `md5sum` run one after the other (`npm run bench:hash` measures it).
 */
export async function hashFile(file: string, progress?: Progress): Promise<FileHashes> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    md5.update(chunk);
    size += chunk.length;
    progress?.update(size);
  }
  progress?.finish();
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex'), size };
}
