import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/sif/byte-source-fs.ts';
import { squashfsDecompressor } from '../../src/sif/decompress-node.ts';
import { definitionHeader } from '../../src/sif/definition-header.ts';
import { inspectSif, osRelease } from '../../src/sif/inspect-sif.ts';
import { hashInspected, inspectFile } from '../../src/sif/inspect-file-fs.ts';

// Every expectation below is a fact from test/fixtures/sif/README.md (siftool and unsquashfs
// output for real images built by real Singularity versions).
const fixture = (name: string) => new URL(`../fixtures/sif/${name}`, import.meta.url).pathname;

describe('inspect: real images', () => {
  it.each([
    ['amd64', '2021-08-02T19:09:36Z'],
    ['arm64', '2021-08-02T21:41:28Z'],
    ['ppc64le', '2021-08-02T21:45:31Z'],
  ])('SingularityCE 3.8.1 busybox %s: inspect-metadata.json, PGP signature over group 1', async (arch, created) => {
    const { header, descriptors, metadata, squashfs } = await inspectFile(fixture(`sce-3.8.1_busybox_${arch}_signed.sif`));
    expect(header).toMatchObject({ version: '01', architecture: arch, launchScript: '#!/usr/bin/env run-singularity\n', created });
    expect(descriptors.map((d) => [d.id, d.type, d.name])).toEqual([
      [1, 'Def.FILE', '.'],
      [2, 'JSON.Generic', 'inspect-metadata.json'],
      [3, 'JSON.Generic', 'oci-config.json'],
      [4, 'FS', expect.stringMatching(/^squashfs-/)],
      [5, 'Signature', '.'],
    ]);
    // ppc64le objects are 64 KiB aligned: the reader must use the descriptor's offset.
    expect(descriptors[3]!.offset).toBe(arch === 'ppc64le' ? 262144 : 45056);
    expect(descriptors[4]!.link).toEqual({ group: 1 });
    expect(squashfs).toEqual({ object: 4, compression: 'gzip', blockSize: 131072 });
    expect(metadata).toMatchObject({
      architecture: arch,
      created,
      definition: 'BootStrap: docker\nFrom: busybox:1.33.1',
      bootstrap: 'docker',
      from: 'busybox:1.33.1',
      labels: {
        'org.label-schema.build-arch': arch,
        'org.label-schema.schema-version': '1.0',
        'org.label-schema.usage.singularity.deffile.bootstrap': 'docker',
        'org.label-schema.usage.singularity.deffile.from': 'busybox:1.33.1',
        'org.label-schema.usage.singularity.version': '3.8.1',
      },
      signatures: [{ type: 'pgp', hash: 'sha256', fingerprint: '1137E72E6816BFC06D9CAA0D15F3F4F4F14B03B2' }],
    });
    expect(metadata.runscript).toContain("OCI_CMD='\"sh\"'");
    expect(metadata.environment).toContain('export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"');
    expect(metadata.os).toBeUndefined(); // busybox has no /etc/os-release
    expect(metadata.oci).toBeUndefined();
  });

  it('Singularity 3.2.1 alpine: labels, help, test, environment and apps only in the squashfs', async () => {
    const { metadata, descriptors } = await inspectFile(fixture('singularity-3.2.1_alpine_labels-apps.sif'));
    expect(descriptors.map((d) => d.type)).toEqual(['Def.FILE', 'FS']);
    expect(metadata).toMatchObject({
      architecture: 'amd64',
      created: '2019-06-14T18:59:57Z',
      bootstrap: 'library',
      from: 'alpine:latest',
      labels: { E2E: 'AWSOME', HI: '"HELLO WORLD"', e2e: 'awsome', hi: '"hello world"', 'org.label-schema.usage': '/.singularity.d/runscript.help', 'org.label-schema.usage.singularity.version': '3.2.1-660.g4c8a84050' },
      help: 'This is the help...\neverything goes here.',
      apps: { hello: { labels: { SCIF_APP_NAME: 'hello' } }, world: { labels: { SCIF_APP_NAME: 'world' } } },
      os: { id: 'alpine', versionId: '3.9.2' },
    });
    expect(metadata.definition).toMatch(/^bootstrap: library\nfrom: alpine:latest\n/);
    expect(metadata.definition).toContain('%apprun world');
    expect(metadata.test).toContain('test -d /etc');
    expect(metadata.runscript).toContain('echo "E2E Test Container"');
    expect(metadata.environment).toContain('export e2e="e2e testing"');
    expect(metadata.apps?.hello?.runscript).toContain('echo "hello"');
    expect(metadata.signatures).toBeUndefined();
  });

  it('Singularity 3.4.0: the JSON.Labels descriptor wins over a stale labels.json in the squashfs', async () => {
    const { metadata, descriptors } = await inspectFile(fixture('singularity-3.4.0_alpine_jsonlabels_legacy-signed.sif'));
    expect(descriptors.find((d) => d.type === 'JSON.Labels')?.name).toBe('image-metadata');
    expect(metadata.labels).toMatchObject({
      MAINTAINER: '"WestleyK <westley@sylabs.io>"',
      'org.label-schema.image-arch': 'amd64',
      'org.label-schema.image-size': '2.56 MB',
      'org.label-schema.usage.singularity.version': '3.4.0-174.g48b7e1824.dirty',
      'org.label-schema.usage.singularity.deffile.bootstrap': 'library',
    });
    // The squashfs says localimage / alpine-sand/ / 3.1.0: none of it may leak in.
    expect(JSON.stringify(metadata.labels)).not.toMatch(/localimage|alpine-sand|3\.1\.0/);
    expect(metadata).toMatchObject({
      created: '2019-09-11T03:04:12Z',
      bootstrap: 'library',
      from: 'alpine:latest',
      os: { id: 'alpine', versionId: '3.9.2' },
      signatures: [{ type: 'pgp-legacy', hash: 'sha384', fingerprint: '7605BC2716168DF057D6C600ACEEC62C8BD91BEE' }],
    });
    expect(Object.keys(metadata.apps ?? {})).toEqual(['hello', 'world']);
    expect(descriptors.find((d) => d.type === 'Signature')?.link).toEqual({ object: 2 });
  });

  it('Singularity 3.1.0 busybox: legacy signature over the partition, help from runscript.help', async () => {
    const { metadata } = await inspectFile(fixture('singularity-3.1.0_busybox_library_legacy-signed.sif'));
    expect(metadata).toMatchObject({
      created: '2019-03-08T16:33:51Z',
      bootstrap: 'library',
      from: 'westleyk/official/busybox:1.28',
      labels: {
        'org.label-schema.usage.singularity.version': '3.1.0-95.gc8721bf2',
        'org.label-schema.usage': '/.singularity.d/runscript.help',
        'org.label-schema.usage.singularity.deffile.mirrorurl': expect.stringMatching(/^https:\/\/www\.busybox\.net\//),
      },
      signatures: [{ type: 'pgp-legacy', hash: 'sha384', fingerprint: '8883491F4268F173C6E5DC49EDECE4F3F38D871E' }],
    });
    expect(metadata.help).toBeTruthy();
    expect(metadata.definition).toContain('%post');
  });

  it('the pre-release format 00 is read: FS first, no group mask, four legacy signatures', async () => {
    const { header, descriptors, metadata } = await inspectFile(fixture('sif-v00-prerelease_busybox_4sigs.sif'));
    expect(header).toMatchObject({ version: '00', architecture: 'amd64', created: '2018-08-21T17:12:54Z', dataOffset: 32768 });
    expect(descriptors.slice(0, 2).map((d) => [d.id, d.type, d.name, d.group, d.offset])).toEqual([
      [1, 'FS', 'busybox.squash', undefined, 32768],
      [2, 'Def.FILE', 'busybox.deffile', undefined, 737280],
    ]);
    expect(metadata.definition).toBe('Bootstrap: docker\nFrom: busybox:latest\n\n%runscript\n\techo "Hi"');
    expect(metadata).toMatchObject({ bootstrap: 'docker', from: 'busybox:latest' });
    expect(metadata.labels).toBeUndefined(); // no labels.json in this squashfs
    expect(metadata.runscript).toContain('OCI_CMD');
    expect(metadata.signatures?.map((s) => [s.type, s.hash, s.fingerprint.slice(0, 8)])).toEqual([
      ['pgp-legacy', 'sha384', 'AC2F7F4B'],
      ['pgp-legacy', 'sha384', '5994BE54'],
      ['pgp-legacy', 'sha384', '5994BE54'],
      ['pgp-legacy', 'sha384', '5994BE54'],
    ]);
  });
});

describe('inspect: synthetic images', () => {
  it('apptainer-style: zstd squashfs, os-release through a symlink, apps from inspect-metadata.json', async () => {
    const { metadata, squashfs } = await inspectFile(fixture('synthetic_apptainer-style_zstd.sif'));
    expect(squashfs?.compression).toBe('zstd');
    expect(metadata).toMatchObject({
      architecture: 'amd64',
      created: '2024-02-01T12:00:00Z',
      bootstrap: 'docker',
      from: 'debian:bookworm-slim',
      labels: { Author: 'fixture@example.org', Version: '1.2.3', 'org.label-schema.usage.apptainer.version': '1.2.5', 'org.opencontainers.image.created': '2024-02-01T12:00:00Z' },
      os: { id: 'debian', versionId: '12' },
      apps: { hello: { labels: { APPNAME: 'hello' } } },
    });
    expect(metadata.environment).toContain('export GREETING="hello from fixture"');
    expect(metadata.apps?.hello?.runscript).toContain('echo hello');
  });

  it('OCI-SIF: detected by its OCI.RootIndex, no launch script, architecture unknown', async () => {
    const { header, metadata } = await inspectFile(fixture('synthetic_oci-sif_empty.sif'));
    expect(header.launchScript).toBe('');
    expect(metadata).toEqual({ created: '2023-07-14T10:31:23Z', oci: true });
  });

  it('siflib empty: no objects, unknown arch, Go zero times left out', async () => {
    const { header, descriptors, metadata } = await inspectFile(fixture('synthetic_siflib_empty.sif'));
    expect(header).toMatchObject({ architecture: undefined, created: undefined, launchScript: '', descriptorsTotal: 48, descriptorsFree: 48 });
    expect(header.id).toBe('00000000-0000-0000-0000-000000000000');
    expect(descriptors).toEqual([]);
    expect(metadata).toEqual({});
  });

  it('siflib two groups: three partitions, PGP signatures over G1 and G2, arch from the primary partition', async () => {
    const { descriptors, metadata } = await inspectFile(fixture('synthetic_siflib_two-groups-signed-pgp.sif'));
    expect(descriptors.map((d) => [d.id, d.group, d.partition?.fs, d.partition?.type, d.partition?.architecture, d.link])).toEqual([
      [1, 1, 'raw', 'system', '386', undefined],
      [2, 1, 'squashfs', 'primary-system', '386', undefined],
      [3, 2, 'ext3', 'system', 'amd64', undefined],
      [4, undefined, undefined, undefined, undefined, { group: 1 }],
      [5, undefined, undefined, undefined, undefined, { group: 2 }],
    ]);
    expect(metadata.architecture).toBe('386');
    expect(metadata.signatures?.map(({ message, ...s }) => [s, message?.split('\n')[0]])).toEqual([
      [{ type: 'pgp', hash: 'sha256', fingerprint: '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84' }, '-----BEGIN PGP SIGNED MESSAGE-----'],
      [{ type: 'pgp', hash: 'sha256', fingerprint: '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84' }, '-----BEGIN PGP SIGNED MESSAGE-----'],
    ]);
  });

  it('checks each signature against the bytes in the same read that hashes the file', async () => {
    const file = fixture('synthetic_siflib_two-groups-signed-pgp.sif');
    const { metadata } = await hashInspected(file, await inspectFile(file));
    expect(metadata.signatures?.map((s) => s.objects)).toEqual([[1, 2], [3]]);
    expect(metadata.signatures?.some((s) => s.tampered)).toBe(false);
  });

  it('siflib DSSE: a key-less envelope with an all-zero fingerprint', async () => {
    const { metadata } = await inspectFile(fixture('synthetic_siflib_one-group-signed-dsse.sif'));
    expect(metadata.signatures?.map(({ message, ...s }) => [s, JSON.parse(message!).payloadType])).toEqual([[{ type: 'dsse', hash: 'sha256', fingerprint: '0'.repeat(40) }, 'application/vnd.sylabs.sif-metadata+json']]);
  });

  it.each([
    ['synthetic_siflib_one-object-sbom.sif', { type: 'SBOM', sbom: { format: 'cyclonedx-json' } }],
    ['synthetic_siflib_one-object-crypt-message.sif', { type: 'Cryptographic Message', cryptoMessage: { format: 1, message: 0x100 } }],
    ['synthetic_siflib_one-object-generic-json.sif', { type: 'JSON.Generic', name: 'data.json', size: 2 }],
    ['synthetic_siflib_one-object-oci-root-index.sif', { type: 'OCI.RootIndex', digest: expect.stringMatching(/^sha256:2dc692f0/) }],
    ['synthetic_siflib_one-object-oci-blob.sif', { type: 'OCI.Blob', digest: expect.stringMatching(/^sha256:a88b15e9/) }],
  ])('%s: the one object is described', async (name, expected) => {
    const { descriptors } = await inspectFile(fixture(name));
    expect(descriptors).toHaveLength(1);
    expect(descriptors[0]).toMatchObject({ id: 1, group: 1, ...expected });
  });

  it('every fixture in test/fixtures/sif is inspected by a test in this file', () => {
    const here = readFileSync(new URL(import.meta.url), 'utf8');
    const untested = readdirSync(new URL('../fixtures/sif/', import.meta.url))
      .filter((f) => f.endsWith('.sif'))
      .filter((f) => !here.includes(`'${f}'`) && !here.includes(f.replace(/_(amd64|arm64|ppc64le)_/, '_${arch}_')));
    expect(untested).toEqual([]);
  });
});

describe('definition header and os-release', () => {
  it.each([
    ['Bootstrap: docker\nFrom: ubuntu:22.04\n', { bootstrap: 'docker', from: 'ubuntu:22.04' }],
    ['bootstrap: library\nfrom: alpine:latest\n%post\nFrom: not-this', { bootstrap: 'library', from: 'alpine:latest' }],
    ['# comment\nBootStrap:Docker\n  From:   busybox  \n', { bootstrap: 'docker', from: 'busybox' }],
    ['%runscript\nBootstrap: docker', {}],
  ])('%j', (definition, expected) => {
    expect(definitionHeader(definition)).toEqual(expected);
  });

  it.each([
    ['ID=alpine\nVERSION_ID=3.9.2\n', { id: 'alpine', versionId: '3.9.2' }],
    ['NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n', { id: 'debian', versionId: '12' }],
    ["ID='rocky'\n", { id: 'rocky' }],
    ['NAME=nothing\n', undefined],
  ])('%j', (content, expected) => {
    expect(osRelease(content)).toEqual(expected);
  });
});


describe('inspect reads only what it needs', () => {
  it('reads a small part of the image, never the whole file', async () => {
    const source = await openFileSource(fixture('sce-3.8.1_busybox_ppc64le_signed.sif'));
    let bytesRead = 0;
    try {
      const counting = { size: source.size, read: (offset: number, length: number) => ((bytesRead += length), source.read(offset, length)) };
      const { metadata } = await inspectSif(counting, squashfsDecompressor);
      expect(metadata.architecture).toBe('ppc64le');
    } finally {
      await source.close();
    }
    // 2.9 MB image; its metadata, tables and a few small files are a few dozen KB.
    expect(bytesRead).toBeLessThan(source.size / 20);
  });
});
