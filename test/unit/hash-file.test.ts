import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/progress.ts';
import { hashFile } from '../../src/sif/hash-file-fs.ts';

// The hashes a record carries: sha256 on this thread, md5 on a worker, from one read of the file.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-hash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const expected = (bytes: Buffer) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
  size: bytes.length,
});

describe('hashFile', () => {
  it.each([
    ['an empty file', 0],
    ['a file within one chunk', 1000],
    ['a file of whole chunks', 8 * 1024 * 1024],
    ['a file ending in a part chunk, longer than the worker may lag', 5 * 4 * 1024 * 1024 + 3],
  ])('gives the sha256, md5 and size of %s', async (_, length) => {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const file = path.join(dir, `f${length}`);
    await writeFile(file, bytes);
    const seen: number[] = [];
    const progress: Progress = { update: (n) => void seen.push(n), finish: () => void seen.push(-1) };
    const hashes = await hashFile(file, progress);
    expect(hashes).toEqual(expected(bytes));
    expect(seen.at(-1)).toBe(-1);
  });

  it('fails on a missing file, leaving nothing running', async () => {
    await expect(hashFile(path.join(dir, 'missing.sif'))).rejects.toThrow(/ENOENT/);
  });
});
