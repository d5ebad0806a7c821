import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../src/pipeline/load-site.ts';
import { toManifests } from '../../src/pipeline/to-manifests.ts';

// The registry bundled with sifhub is what a newcomer sees first: it must build from this
// repository's own git history and every record in it must be true.

const registryDir = fileURLToPath(new URL('../../registry/', import.meta.url));

describe('the bundled example registry', async () => {
  const site = await loadSite({ registryDir });
  const tags = site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags));
  const manifests = new Map(toManifests(site).files.map((f) => [f.path, f.manifest]));

  it('has the three manifests of every tag, with the fields the clients read', () => {
    expect(tags.length).toBeGreaterThanOrEqual(5);
    for (const tag of tags) {
      const { md5, sha256, url } = tag.current;
      for (const ref of [`:${tag.name}`, `:${tag.name}@${md5}`, `@${md5}`]) {
        const manifest = manifests.get(`api/container/${tag.collection}/${tag.container}${ref}`);
        expect(manifest, `${tag.collection}/${tag.container}${ref}`).toMatchObject({ image: url, version: md5, commit: sha256, name: tag.container, collection: tag.collection });
      }
    }
  });

  it('shows version history: latest moved from the 2018 image and the old one stays pullable', () => {
    const latest = tags.find((t) => t.collection === 'base' && t.container === 'busybox' && t.name === 'latest')!;
    expect(latest.versions.map((v) => v.md5)).toEqual(['a3b7aa7b0619b278f2f0a198eeb31acd', 'f03b26b98eca65a2b07a845042204fc3']);
    expect(latest.versions.every((v) => v.commit && v.date)).toBe(true);
    expect(manifests.get('api/container/base/busybox:latest@a3b7aa7b0619b278f2f0a198eeb31acd')?.commit).toBe('35f7f943d43b2bbd3a7bc421033c1dcd4167b3427757f5008e0c58f81f1b3cc8');
  });

  it('records the true hashes and size of the real image', async () => {
    const bytes = await readFile(new URL('../fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif', import.meta.url));
    const tag = tags.find((t) => t.container === 'busybox' && t.name === '1.33.1')!;
    expect(tag.current).toMatchObject({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
      size: bytes.length,
    });
  });

  it('uses direct https URLs of public files', () => {
    for (const tag of tags) expect(tag.current.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/sylabs\/singularity\/[0-9a-f]{12}\//);
  });
});
