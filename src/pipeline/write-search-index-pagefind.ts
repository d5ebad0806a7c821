import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { searchBundlePath } from '../site/urls.ts';
import type { SearchRecord } from './to-search-records.ts';

// The search index: pagefind, fed the pipeline's records directly (no HTML crawl), writes its
// index and its browser script into the output folder.

/** Records sent to pagefind's service before waiting for its answers. */
const BATCH = 200;

export async function writeSearchIndex(records: readonly SearchRecord[], outDir: string): Promise<{ files: number; bytes: number }> {
  const pagefind = await import('pagefind');
  try {
    const created = await pagefind.createIndex({ forceLanguage: 'en' });
    if (!created.index) throw new Error(`pagefind could not start: ${created.errors.join('; ')}`);
    const { index } = created;
    for (let start = 0; start < records.length; start += BATCH) {
      const answers = await Promise.all(
        records.slice(start, start + BATCH).map((r) =>
          index.addCustomRecord({ url: r.url, content: r.content, language: 'en', meta: r.meta, filters: r.filters }),
        ),
      );
      const errors = answers.flatMap((a) => a.errors);
      if (errors.length > 0) throw new Error(`pagefind refused a search record: ${errors.join('; ')}`);
    }
    const outputPath = path.join(outDir, searchBundlePath());
    const written = await index.writeFiles({ outputPath });
    if (written.errors.length > 0) throw new Error(`pagefind could not write the index: ${written.errors.join('; ')}`);
    return await measureDir(outputPath);
  } finally {
    await pagefind.close();
  }
}

async function measureDir(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}
