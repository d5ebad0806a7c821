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
// unusual-parts.sqfs: `mksquashfs root/ … -comp gzip -all-root` of a valid image tree with one
// unusual part each: /.singularity.d/runscript is 1,048,591 bytes and labels.json 1,375,000
// (over the 1 MiB sifhub reads), /etc/os-release is a symlink loop (os-release → os-release.d →
// os-release) beside a plain /usr/lib/os-release (alpine 3.19.1), runscript.help and the
// environment are ordinary, and the SCIF apps are named __proto__ and constructor.
const unusual = new Uint8Array(readFileSync(new URL('../fixtures/squashfs/unusual-parts.sqfs', import.meta.url)));
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

  it('reads the rest of an image when one part is unusual, and says what it skipped', async () => {
    const labels = new TextEncoder().encode('{"__proto__":"lost","constructor":"kept","normal":"n"}');
    const sif = writeSif([{ type: 0x4003, data: labels }, { type: 0x4004, data: unusual, partition: [1, 2, '02'] }]);
    const { metadata, notes } = await inspectSif(memorySource(sif), squashfsDecompressor);
    expect(metadata.help).toBe('Help text for the unusual image.');
    expect(metadata.environment).toBe('# /.singularity.d/env/90-environment.sh\nexport UNUSUAL=1');
    expect(metadata.os).toEqual({ id: 'alpine', versionId: '3.19.1' }); // from /usr/lib/os-release
    expect(metadata.runscript).toBeUndefined();
    expect(metadata.labels).toEqual({ constructor: 'kept', normal: 'n' });
    expect(Object.keys(metadata.apps ?? {})).toEqual(['constructor']);
    expect(metadata.apps?.constructor).toEqual({ runscript: '#!/bin/sh\necho constructor' });
    expect(notes).toEqual([
      'label "__proto__" left out: JavaScript takes the name as an object\'s prototype, so no record can keep it',
      '/.singularity.d/labels.json in the squashfs is 1375000 bytes, more than the 1048576 sifhub reads; skipped, the rest of the image was read',
      '/.singularity.d/runscript in the squashfs is 1048591 bytes, more than the 1048576 sifhub reads; skipped, the rest of the image was read',
      'app "__proto__" left out: JavaScript takes the name as an object\'s prototype; rename the app to record it',
      'too many symlinks while resolving /etc/os-release in the squashfs (a loop?); skipped, the rest of the image was read',
    ]);
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
