import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every file of a built site by path, its content as base64, but pagefind's: its file names
 * differ between two runs on the same records. Two builds that should agree compare equal.
 */
export async function siteTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && !path.relative(dir, entry.parentPath).startsWith('pagefind')) files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), (await readFile(path.join(entry.parentPath, entry.name))).toString('base64'));
  }
  return files;
}

