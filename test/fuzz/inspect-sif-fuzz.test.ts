import { FormatError } from '../../src/errors.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/sif/byte-source.ts';
import { squashfsDecompressor } from '../../src/sif/decompress-node.ts';
import { inspectSif } from '../../src/sif/inspect-sif.ts';
import { tagRecord } from '../../src/schema/record.ts';

// Flipped and truncated bytes of the real fixtures must give either metadata that fits the
// record schema or a FormatError with a message: never another exception, a hang or a huge
// allocation. Mutations aim where a reader trusts the file: the header, the descriptor table,
// the squashfs superblock and its inode, directory and fragment tables.

const CASES_PER_FIXTURE = 1500;
/**
 * A hang guard, not a benchmark: a case takes a few milliseconds, but on a 2-core machine busy with
 * other tests (radosgw starting, a build) one has taken over a second. A hang never ends.
 */
const HANG_MS = 10_000;

const FIXTURES = [
  'singularity-3.2.1_alpine_labels-apps.sif',
  'singularity-3.4.0_alpine_jsonlabels_legacy-signed.sif',
  'synthetic_apptainer-style_zstd.sif',
  'sce-3.8.1_busybox_amd64_signed.sif',
  'sif-v00-prerelease_busybox_4sigs.sif',
];

/** mulberry32: small, seeded, good enough to spread mutations. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte ranges worth corrupting: header + descriptors, and the squashfs superblock and tables. */
function targets(bytes: Uint8Array): [number, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const descriptorsEnd = Number(view.getBigInt64(96, true)) + Number(view.getBigInt64(88, true)) * 585;
  const ranges: [number, number][] = [[0, descriptorsEnd]];
  for (let at = Number(view.getBigInt64(96, true)); at < descriptorsEnd; at += 585) {
    if (view.getInt32(at, true) !== 0x4004) continue;
    const offset = Number(view.getBigInt64(at + 17, true));
    const size = Number(view.getBigInt64(at + 25, true));
    const inodeTable = Number(view.getBigUint64(offset + 64, true));
    ranges.push([offset, offset + 96], [offset + inodeTable, offset + size]);
  }
  // Descriptor payloads (JSON, definition files, signatures) sit between the table and the partition.
  ranges.push([descriptorsEnd, Math.min(bytes.length, descriptorsEnd + 16384)]);
  return ranges;
}

function mutate(original: Uint8Array, next: () => number): Uint8Array {
  const kind = next();
  if (kind < 0.2) return original.slice(0, Math.floor(next() * original.length)); // truncated
  const bytes = original.slice();
  const ranges = targets(original);
  const flips = 1 + Math.floor(next() * 8);
  for (let i = 0; i < flips; i++) {
    const [start, end] = ranges[Math.floor(next() * ranges.length)]!;
    const at = start + Math.floor(next() * (end - start));
    bytes[at] = kind < 0.6 ? bytes[at]! ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256);
  }
  return bytes;
}

const metadataSchema = tagRecord.omit({ url: true, sha256: true, md5: true, size: true });

describe('inspect fuzz: flipped and truncated fixtures', () => {
  it.each(FIXTURES)('%s', async (name) => {
    const original = new Uint8Array(readFileSync(new URL(`../fixtures/sif/${name}`, import.meta.url)));
    const next = random(name.length * 7919);
    const outcomes = { metadata: 0, formatError: 0 };
    for (let i = 0; i < CASES_PER_FIXTURE; i++) {
      const bytes = mutate(original, next);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`case ${i} of ${name} did not finish within ${HANG_MS} ms`)), HANG_MS);
      });
      try {
        const result = await Promise.race([inspectSif(memorySource(bytes), squashfsDecompressor), hang]);
        expect(metadataSchema.safeParse(result.metadata).success, `case ${i}: metadata must fit the record schema`).toBe(true);
        outcomes.metadata++;
      } catch (error) {
        if (!(error instanceof FormatError)) throw new Error(`case ${i} of ${name} threw ${String(error)}`, { cause: error });
        expect(error.message.length).toBeGreaterThan(10);
        outcomes.formatError++;
      } finally {
        clearTimeout(timer);
      }
    }
    // Both outcomes must occur, or the mutations are not reaching the reader.
    expect(outcomes.metadata).toBeGreaterThan(50);
    expect(outcomes.formatError).toBeGreaterThan(50);
  });
});
