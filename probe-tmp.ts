import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
for (const alg of ['md5', 'sha256']) {
  for (const hw of [1 << 20, 4 << 20, 16 << 20]) {
    const t = performance.now();
    const h = createHash(alg);
    for await (const c of createReadStream('/tmp/h.bin', { highWaterMark: hw }) as AsyncIterable<Buffer>) h.update(c);
    h.digest('hex');
    console.log(alg, hw >> 20, 'MiB chunks', ((performance.now() - t) / 1000).toFixed(2), 's');
  }
}
