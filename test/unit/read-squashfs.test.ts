import { FormatError } from '../../src/errors.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/sif/byte-source.ts';
import { squashfsDecompressor } from '../../src/sif/decompress-node.ts';
import { inspectSif } from '../../src/sif/inspect-sif.ts';
import { readSquashfs } from '../../src/sif/read-squashfs.ts';
import { writeSif } from '../helpers/sif-writer.ts';

// xz-symlink-multiblock.sqfs: `mksquashfs root/ … -comp xz -all-root` of a small image tree
// whose /.singularity.d/big.txt is `seq 1 60000` (348,894 bytes: two 128 KiB blocks and a
// fragment) and whose /etc/os-release is a relative symlink to ../usr/lib/os-release.
const xz = new Uint8Array(readFileSync(new URL('../fixtures/squashfs/xz-symlink-multiblock.sqfs', import.meta.url)));
const seq = Array.from({ length: 60000 }, (_, i) => `${i + 1}\n`).join('');

describe('squashfs reader', () => {
  it('reads an xz squashfs: a file over two blocks and a fragment, byte for byte', async () => {
    const fs = await readSquashfs(memorySource(xz), squashfsDecompressor);
    expect(fs.compression).toBe('xz');
    const big = await fs.readFile('/.singularity.d/big.txt', 1024 * 1024);
    expect(new TextDecoder().decode(big)).toBe(seq);
  });

  it('follows a relative symlink, and lists directories', async () => {
    const fs = await readSquashfs(memorySource(xz), squashfsDecompressor);
    expect(new TextDecoder().decode(await fs.readFile('/etc/os-release', 4096))).toContain('ID="rocky"');
    expect(await fs.listDirectory('/scif/apps')).toEqual(['tool']);
    expect(await fs.listDirectory('/etc/os-release')).toBeUndefined();
    expect(await fs.readFile('/no/such/file', 10)).toBeUndefined();
  });

  it('refuses a file larger than asked for, naming it', async () => {
    const fs = await readSquashfs(memorySource(xz), squashfsDecompressor);
    await expect(fs.readFile('/.singularity.d/big.txt', 1000)).rejects.toThrow(new FormatError('/.singularity.d/big.txt in the squashfs is 348894 bytes, more than the 1000 sifhub reads'));
  });

  it('inspects an xz image wrapped in a SIF', async () => {
    const sif = writeSif([{ type: 0x4004, data: xz, partition: [1, 2, '02'] }]);
    const { metadata } = await inspectSif(memorySource(sif), squashfsDecompressor);
    expect(metadata).toMatchObject({
      architecture: 'amd64',
      created: '2024-02-01T12:00:00Z',
      bootstrap: 'docker',
      from: 'rockylinux:9.3',
      labels: { Maintainer: 'xz@example.org' },
      os: { id: 'rocky', versionId: '9.3' },
      apps: { tool: { runscript: '#!/bin/sh\n\ntool --version' } },
      environment: '# /.singularity.d/env/90-environment.sh\n#!/bin/sh\nexport TOOL_HOME=/opt/tool',
    });
  });

  it('refuses lzo and lz4 squashfs clearly', async () => {
    const lzo = xz.slice();
    lzo[20] = 3;
    await expect(readSquashfs(memorySource(lzo), squashfsDecompressor)).rejects.toThrow(/lzo-compressed; sifhub reads gzip, xz and zstd/);
  });

  it('a JSON.Labels descriptor beats labels.json; inspect-metadata.json beats both', async () => {
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const labelsOnly = writeSif([
      { type: 0x4003, data: json({ 'system-partition': { Maintainer: 'descriptor' } }) },
      { type: 0x4004, data: xz, partition: [1, 2, '02'] },
    ]);
    expect((await inspectSif(memorySource(labelsOnly), squashfsDecompressor)).metadata.labels).toEqual({ Maintainer: 'descriptor' });
    const both = writeSif([
      { type: 0x4006, name: 'inspect-metadata.json', data: json({ data: { attributes: { labels: { Maintainer: 'inspect' }, runscript: '#!/bin/sh\necho recorded' } } }) },
      { type: 0x4003, data: json({ 'system-partition': { Maintainer: 'descriptor' } }) },
      { type: 0x4004, data: xz, partition: [1, 2, '02'] },
    ]);
    const { metadata } = await inspectSif(memorySource(both), squashfsDecompressor);
    expect(metadata.labels).toEqual({ Maintainer: 'inspect' });
    expect(metadata.runscript).toBe('#!/bin/sh\necho recorded');
  });

  it('leaves out what the record schema would refuse, with a note', async () => {
    const sif = writeSif([
      { type: 0x4006, name: 'inspect-metadata.json', data: new TextEncoder().encode(JSON.stringify({ data: { attributes: { labels: { ok: 'yes', ['k'.repeat(300)]: 'too long a key' }, runscript: `#!/bin/sh\n${'x'.repeat(70000)}` } } })) },
    ]);
    const { metadata, notes } = await inspectSif(memorySource(sif), squashfsDecompressor);
    expect(metadata.labels).toEqual({ ok: 'yes' });
    expect(metadata.runscript).toBeUndefined();
    expect(notes).toEqual([expect.stringMatching(/^labels\.k+ left out: /), 'runscript left out: expected at most 65536 characters']);
  });
});
