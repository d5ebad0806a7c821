#!/usr/bin/env node
// Hashing throughput of `sifhub submit` against `openssl dgst -sha256` then `openssl dgst -md5`
// on the same file (at most 0.7× of the two run one after the other), and coreutils'
// sha256sum then md5sum for reference. Prints figures; asserts nothing.
//   npm run bench:hash -- [--size-mib N] [--file PATH]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { hashFile } from '../src/sif/hash-file-fs.ts';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '2048' }, file: { type: 'string' } } });
const dir = mkdtempSync(path.join(tmpdir(), 'sifhub-bench-hash-'));
try {
  let file = values.file;
  if (!file) {
    file = path.join(dir, 'image.sif');
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(16 * 1024 * 1024);
    for (let written = 0; written < Number(values['size-mib']) * 1024 * 1024; written += chunk.length) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
  }
  // Read once so every contender finds the file in the page cache.
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const time = (run: () => unknown) => {
    const start = performance.now();
    const result = run();
    return { seconds: (performance.now() - start) / 1000, result };
  };
  const opensslSha256 = time(() => execFileSync('openssl', ['dgst', '-sha256', '-r', file!]).toString().split(' ')[0]);
  const opensslMd5 = time(() => execFileSync('openssl', ['dgst', '-md5', '-r', file!]).toString().split(' ')[0]);
  const sha256sum = time(() => execFileSync('sha256sum', [file!]).toString().split(' ')[0]);
  const md5sum = time(() => execFileSync('md5sum', [file!]).toString().split(' ')[0]);
  const start = performance.now();
  const ours = await hashFile(file);
  const oursSeconds = (performance.now() - start) / 1000;
  if (ours.sha256 !== sha256sum.result || ours.md5 !== md5sum.result) throw new Error('hash mismatch with coreutils');
  if (ours.sha256 !== opensslSha256.result || ours.md5 !== opensslMd5.result) throw new Error('hash mismatch with openssl');
  const mib = ours.size / 1024 / 1024;
  const coreutils = sha256sum.seconds + md5sum.seconds;
  const openssl = opensslSha256.seconds + opensslMd5.seconds;
  console.log(`file                    ${mib.toFixed(0)} MiB`);
  console.log(`openssl dgst -sha256    ${opensslSha256.seconds.toFixed(2)} s`);
  console.log(`openssl dgst -md5       ${opensslMd5.seconds.toFixed(2)} s`);
  console.log(`sha256sum              ${sha256sum.seconds.toFixed(2)} s`);
  console.log(`md5sum                 ${md5sum.seconds.toFixed(2)} s`);
  console.log(`sifhub (both, 2 cores) ${oursSeconds.toFixed(2)} s  (${(mib / oursSeconds).toFixed(0)} MiB/s)`);
  console.log(`ratio to openssl       ${(oursSeconds / openssl).toFixed(2)}× (budget 0.7×)`);
  console.log(`ratio to coreutils     ${(oursSeconds / coreutils).toFixed(2)}×`);
  // Streaming keeps memory flat: the peak stays near Node's baseline whatever the file size.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  console.log(`peak RSS               ${(peakRssBytes / 1024 / 1024).toFixed(0)} MiB`);
  console.log(JSON.stringify({ bytes: ours.size, opensslSeconds: openssl, coreutilsSeconds: coreutils, sifhubSeconds: oursSeconds, ratio: oursSeconds / openssl, peakRssBytes }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
