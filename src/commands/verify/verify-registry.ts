import { mapConcurrent } from '../../concurrency.ts';
import { InputError } from '../../errors.ts';
import { recordOrUndefined } from '../../records/check-record.ts';
import { loadRecords } from '../../records/load-records-fs.ts';
import { readRegistryFilesAt } from '../../records/read-registry-git.ts';
import type { TagInput } from '../../records/types.ts';
import { verifyImage, type VerifyOptions } from './verify-image-http.ts';

// Which tag records `sifhub verify` checks, and checking them a few at a time.

export interface VerifyReport {
  tag: TagInput;
  /** Undefined when the image checked out. */
  failure?: string;
}

export async function verifyRegistry(
  registryDir: string,
  scope: { base: string; head?: string } | { all: true },
  options: VerifyOptions & { jobs: number },
  onReport: (report: VerifyReport) => void = () => {},
): Promise<VerifyReport[]> {
  const { checked } = await loadRecords(registryDir, { at: 'head' in scope ? scope.head : undefined });
  if (!checked.ok) throw new InputError(checked.problems);
  let tags = checked.registry.tags;
  if ('base' in scope) {
    const before = new Map((await readRegistryFilesAt(registryDir, scope.base)).map((f) => [f.path, f]));
    tags = tags.filter((t) => {
      const old = before.get(t.path);
      if (!old) return true;
      if (old.blob === t.blob) return false;
      const o = recordOrUndefined(old, 'image');
      const r = t.record;
      return !o || o.url !== r.url || o.sha256 !== r.sha256 || o.md5 !== r.md5 || o.size !== r.size;
    });
  }

  const reports = await mapConcurrent(tags, options.jobs, async (tag) => {
    const report: VerifyReport = { tag, failure: await verifyImage(tag.record, options) };
    onReport(report);
    return report;
  });
  return reports.sort((a, b) => (a.tag.file < b.tag.file ? -1 : 1));
}
