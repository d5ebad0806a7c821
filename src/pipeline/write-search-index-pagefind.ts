import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { searchBundlePath } from '../site/urls.ts';
import type { SearchShard } from './to-search-shards.ts';
import { measureDir } from '../output/write-output-fs.ts';

// The search index: pagefind, fed the pipeline's records directly (no HTML crawl), writes its
// index and its browser script into the output folder, one bundle per shard (to-search-shards.ts).

/** Records sent to pagefind's service before waiting for its answers. */
const BATCH = 200;

/** pagefind's ready-made UIs: the secondary shards of a split index need only their index files. */
const UI_FILES = /^pagefind-(ui|component-ui|modular-ui|highlight)\.(js|css)$/;

/** Writes each shard not in `reused` as a pagefind bundle at searchBundlePath(shard) under `outDir`. */
export async function writeSearchIndex(shards: readonly SearchShard[], outDir: string, reused: ReadonlySet<number> = new Set()): Promise<void> {
  const toWrite = shards.filter((shard) => !reused.has(shard.index));
  if (toWrite.length === 0) return;
  const pagefind = await import('pagefind');
  try {
    for (const shard of toWrite) {
      const created = await pagefind.createIndex({ forceLanguage: 'en' });
      if (!created.index) throw new Error(`pagefind could not start: ${created.errors.join('; ')}`);
      const { index } = created;
      const records = shard.records();
      for (let start = 0; start < records.length; start += BATCH) {
        const answers = await Promise.all(
          records.slice(start, start + BATCH).map((r) =>
            index.addCustomRecord({ url: r.url, content: r.content, language: 'en', meta: r.meta, filters: r.filters }),
          ),
        );
        const errors = answers.flatMap((a) => a.errors);
        if (errors.length > 0) throw new Error(`pagefind refused a search record: ${errors.join('; ')}`);
      }
      const outputPath = path.join(outDir, searchBundlePath(shard.index));
      const written = await index.writeFiles({ outputPath });
      if (written.errors.length > 0) throw new Error(`pagefind could not write the index: ${written.errors.join('; ')}`);
      await index.deleteIndex();
      if (shard.index > 0) {
        for (const file of await readdir(outputPath)) if (UI_FILES.test(file)) await rm(path.join(outputPath, file));
      }
    }
  } finally {
    await pagefind.close();
  }
}

/** Files and bytes of the search bundles in a built site. */
export async function measureSearchIndex(outDir: string, shards: number): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (let shard = 0; shard < shards; shard++) {
    const measured = await measureDir(path.join(outDir, searchBundlePath(shard)));
    files += measured.files;
    bytes += measured.bytes;
  }
  return { files, bytes };
}
