import { writeFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';

const fixture = (name: string) => new URL(`../fixtures/sif/${name}`, import.meta.url).pathname;

describe('sifhub inspect', () => {
  it('prints what the image says about itself', async () => {
    const result = await runSifhub(['inspect', fixture('singularity-3.2.1_alpine_labels-apps.sif')], process.cwd());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('singularity-3.2.1_alpine_labels-apps.sif: SIF 01, amd64, built 2019-06-14T18:59:57Z\n  bootstrap   library\n  from        alpine:latest\n  os          alpine 3.9.2\n');
    expect(result.stdout).toContain('  labels      E2E = AWSOME\n              HI = "HELLO WORLD"\n');
    expect(result.stdout).toContain('  apps        hello, world\n');
    expect(result.stdout).toMatch(/ {4}2 {2}FS +2\.56 MiB {2}group 1 {2}squashfs-833972989\.img, squashfs primary-system amd64/);
  });

  it('--json gives the header, every object and the record fields', async () => {
    const result = await runSifhub(['inspect', '--json', fixture('sce-3.8.1_busybox_arm64_signed.sif')], process.cwd());
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { header: { version: string }; descriptors: unknown[]; metadata: { architecture: string; signatures: unknown[] } };
    expect(json.header.version).toBe('01');
    expect(json.descriptors).toHaveLength(5);
    expect(json.metadata.architecture).toBe('arm64');
    expect(json.metadata.signatures).toEqual([{ type: 'pgp', hash: 'sha256', fingerprint: '1137E72E6816BFC06D9CAA0D15F3F4F4F14B03B2' }]);
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
