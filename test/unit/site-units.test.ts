import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectionOfOutput, collectionOutputs } from '../../src/output/build-cache-fs.ts';
import { listUnits } from '../../src/output/site-units-fs.ts';

// Which collection, search shard or the site as a whole owns each piece of a built site: what a
// rebuild keeps, replaces or links piece by piece.

describe('the pieces of a site', () => {
  it('gives each collection its pages, manifests and API file, each shard its bundle, and the rest to the site', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-units-'));
    try {
      const files = [
        'index.html', 'collections/index.html', 'collections/lab/index.html', 'collections/lab/tool/1.0/index.html',
        'api/container/lab/tool:1.0', 'api/v1/collections/lab.json', 'api/v1/collections.json', 'api/v1/registry.json',
        'api/v1/schema/index.html', 'pagefind/pagefind.js', 'pagefind-3/pagefind.js', 'pagefind-0/x', '_astro/site.css',
      ];
      for (const file of files) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), '');
      }
      const units = Object.fromEntries((await listUnits(dir)).map((u) => [u.path, u.owner]));
      expect(units).toEqual({
        'index.html': 'shared', 'collections/index.html': 'shared', 'collections/lab': 'collection:lab',
        'api/container/lab': 'collection:lab', 'api/v1/collections/lab.json': 'collection:lab',
        'api/v1/collections.json': 'shared', 'api/v1/registry.json': 'shared', 'api/v1/schema': 'shared',
        pagefind: 'shard:0', 'pagefind-3': 'shard:3', 'pagefind-0': 'shared', _astro: 'shared',
      });
      // The same table names a collection's outputs and finds their owner back.
      for (const rel of collectionOutputs('lab')) expect(collectionOfOutput(rel, !rel.endsWith('.json'))).toBe('lab');
      expect(collectionOfOutput('api/container/lab/tool:1.0')).toBe('lab');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
