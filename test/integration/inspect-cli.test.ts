import { writeFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const fixture = (name: string) => new URL(`../fixtures/sif/${name}`, import.meta.url).pathname;

describe('sifhub inspect', () => {
  it('prints what the image says about itself', async () => {
    const result = await runSifhub(['inspect', fixture('singularity-3.2.1_alpine_labels-apps.sif')], process.cwd());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('singularity-3.2.1_alpine_labels-apps.sif: SIF 01, amd64, built 2019-06-14T18:59:57Z\n  sha256 ');
    expect(result.stdout).toContain('  size        2719744  (2.59 MiB)\n  bootstrap   library\n  from        alpine:latest\n  os          alpine 3.9.2\n');
    expect(result.stdout).toContain('  labels      E2E = AWSOME\n              HI = "HELLO WORLD"\n');
    expect(result.stdout).toContain('  apps        hello, world\n');
    expect(result.stdout).toMatch(/ {4}2 {2}FS +2\.56 MiB {2}group 1 {2}squashfs-833972989\.img, squashfs primary-system amd64/);
  });

  it('prints the sha256, md5 and size a hand-written record needs (the fixture README\'s values)', async () => {
    const result = await runSifhub(['inspect', fixture('sce-3.8.1_busybox_amd64_signed.sif')], process.cwd());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\n  sha256      e89ad5f79a1acc7c87e98b28e38c63b1a02759b51d925c67c3967ff06dc13e9f\n  md5         f03b26b98eca65a2b07a845042204fc3\n  size        792293  (773.7 KiB)\n');
    const quick = await runSifhub(['inspect', '--no-hash', fixture('sce-3.8.1_busybox_amd64_signed.sif')], process.cwd());
    expect(quick.stdout).not.toContain('  sha256      ');
    expect(quick.stdout).toContain('  signatures  pgp, sha256');
  });

  it('--record --url prints a tag record that validate accepts as it stands', async () => {
    const result = await runSifhub(['inspect', fixture('singularity-3.2.1_alpine_labels-apps.sif'), '--record', '--url', 'https://images.example.org/alpine.sif'], process.cwd());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^---\nurl: https:\/\/images\.example\.org\/alpine\.sif\nsha256: "?[0-9a-f]{64}"?\nmd5: "?[0-9a-f]{32}"?\nsize: 2719744\n/);
    const repo = await TempRepo.create();
    try {
      await repo.write({ 'registry/registry.yml': 'name: T\nurl: https://t.example.org\n', 'registry/lab/alpine/3.9.md': result.stdout });
      const validate = await runSifhub(['validate'], repo.dir);
      expect(validate.stderr).toBe('');
      expect(validate.code).toBe(0);
    } finally {
      await repo.dispose();
    }
    const noUrl = await runSifhub(['inspect', fixture('singularity-3.2.1_alpine_labels-apps.sif'), '--record'], process.cwd());
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--record needs --url URL');
    const http = await runSifhub(['inspect', fixture('singularity-3.2.1_alpine_labels-apps.sif'), '--record', '--url', 'http://images.example.org/a.sif'], process.cwd());
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--url expects an https:// URL without credentials, received "http://images.example.org/a.sif"');
  });

  it('--record --platform prints another architecture\'s entry, which makes a tag of two architectures that validate accepts', async () => {
    const own = await runSifhub(['inspect', fixture('sce-3.8.1_busybox_amd64_signed.sif'), '--record', '--url', 'https://images.example.org/busybox-amd64.sif'], process.cwd());
    const arm = await runSifhub(['inspect', fixture('sce-3.8.1_busybox_arm64_signed.sif'), '--record', '--platform', '--url', 'https://images.example.org/busybox-arm64.sif'], process.cwd());
    expect(arm.code).toBe(0);
    expect(arm.stdout).toMatch(/^ {2}- architecture: arm64\n {4}url: https:\/\/images\.example\.org\/busybox-arm64\.sif\n/);
    expect(arm.stderr).toContain('Add these lines under `platforms:`');
    const repo = await TempRepo.create();
    try {
      const record = own.stdout.replace(/\n---\n$/, `\nplatforms:\n${arm.stdout}---\n`);
      await repo.write({ 'registry/registry.yml': 'name: T\nurl: https://t.example.org\n', 'registry/lab/busybox/1.0.md': record });
      const validate = await runSifhub(['validate'], repo.dir);
      expect(validate.stderr).toBe('');
      expect(validate.code).toBe(0);
    } finally {
      await repo.dispose();
    }
    const alone = await runSifhub(['inspect', fixture('sce-3.8.1_busybox_arm64_signed.sif'), '--platform'], process.cwd());
    expect(alone.code).toBe(2);
  });

  it('--json gives the header, every object and the record fields', async () => {
    const result = await runSifhub(['inspect', '--json', fixture('sce-3.8.1_busybox_arm64_signed.sif')], process.cwd());
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { header: { version: string }; descriptors: unknown[]; metadata: { architecture: string; signatures: unknown[] } };
    expect(json.header.version).toBe('01');
    expect(json.descriptors).toHaveLength(5);
    expect(json.metadata.architecture).toBe('arm64');
    expect(json.metadata.signatures).toEqual([
      { type: 'pgp', hash: 'sha256', fingerprint: '1137E72E6816BFC06D9CAA0D15F3F4F4F14B03B2', objects: [1, 2, 3, 4], message: expect.stringMatching(/^-----BEGIN PGP SIGNED MESSAGE-----\n/) },
    ]);
  });

  it('a truncated file: one line naming the file and the problem, exit 3', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-inspect-'));
    try {
      const truncated = path.join(dir, 'cut.sif');
      await writeFile(truncated, (await readFile(fixture('singularity-3.2.1_alpine_labels-apps.sif'))).subarray(0, 50_000));
      const result = await runSifhub(['inspect', truncated], dir);
      expect(result.code).toBe(3);
      expect(result.stderr.trim()).toBe(`✖ ${truncated}: object 2 (FS) lies at bytes 36864–2719744, past the end of the file (50000 bytes): truncated?`);
      const missing = await runSifhub(['inspect'], dir);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('sifhub: inspect expects FILE.sif, received nothing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
