import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readContentCache } from '../../src/output/content-cache-fs.ts';

// The content cache a build keeps between runs (parses, rendered Markdown): a small change adds
// a small delta, and the base is rewritten only once the delta and what no longer applies grow.

describe('the content cache', () => {
  let dir: string;
  const previous = process.env.SIFHUB_CACHE_DIR;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-content-cache-'));
    process.env.SIFHUB_CACHE_DIR = dir;
  });
  afterEach(async () => {
    if (previous === undefined) delete process.env.SIFHUB_CACHE_DIR;
    else process.env.SIFHUB_CACHE_DIR = previous;
    await rm(dir, { recursive: true, force: true });
  });

  /** A run that asks for records 0 … n-1 (value `${i}@${version}` when computed); what it computed. */
  async function run(keys: readonly number[], version = 'v1', code = 'code'): Promise<{ computed: number[]; values: unknown[] }> {
    const cache = await readContentCache(code);
    const computed: number[] = [];
    const values = keys.map((i) => cache.memo('record', `blob-${i}`, () => (computed.push(i), `${i}@${version}`)));
    await cache.save();
    return { computed, values };
  }
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const baseFile = () => stat(path.join(dir, 'content.v8'));

  it('keeps every entry a run used, and computes only what is new', async () => {
    expect((await run(range(0, 2000))).computed).toHaveLength(2000);
    const again = await run(range(0, 2001), 'v2');
    expect(again.computed).toEqual([2000]);
    expect(again.values[0]).toBe('0@v1');
    expect((await run(range(0, 2001))).computed).toEqual([]);
  });

  it('adds a small change as a delta beside the base, which stays as it was', async () => {
    await run(range(0, 2000));
    const before = await baseFile();
    await run([...range(0, 1999), 5000]);
    await run([...range(0, 1999), 5000, 5001]);
    expect((await baseFile()).mtimeMs).toBe(before.mtimeMs);
    expect((await readdir(dir)).sort()).toEqual(['content-delta.v8', 'content.v8']);
    // Both are read: nothing is computed again.
    expect((await run([...range(0, 1999), 5000, 5001])).computed).toEqual([]);
  });

  it('rewrites the base once the delta and its unused entries grow, and leaves out what no run asks for', async () => {
    await run(range(0, 2000));
    const before = await baseFile();
    // 600 records replaced: more than the delta takes (500 here).
    await run(range(600, 2600));
    expect((await baseFile()).ino === before.ino && (await baseFile()).mtimeMs === before.mtimeMs).toBe(false);
    expect((await run(range(0, 600))).computed).toEqual(range(0, 600));
  });

  it('starts afresh for other sifhub code', async () => {
    await run(range(0, 10));
    expect((await run(range(0, 10), 'v1', 'other code')).computed).toEqual(range(0, 10));
  });
});
