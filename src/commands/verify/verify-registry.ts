import { loadRegistry } from '../../records/read-registry-fs.ts';
import { parseMarkdownRecord } from '../../records/parse-record.ts';
import { readRegistryAt } from '../../records/read-registry-git.ts';
import { validateRegistry, type TagInput } from '../../records/check-registry.ts';
import { InputError } from '../../errors.ts';
import { verifyImage, type VerifyOptions } from './verify-image-http.ts';

// Which tag records `sifhub verify` checks, and checking them a few at a time.

export interface VerifyReport {
  tag: TagInput;
  /** Undefined when the image checked out. */
  failure?: string;
}

export async function verifyRegistry(
  registryDir: string,
  scope: { base: string } | { all: true },
  options: VerifyOptions & { jobs: number },
  onReport: (report: VerifyReport) => void = () => {},
): Promise<VerifyReport[]> {
  const loaded = await loadRegistry(registryDir);
  const validated = validateRegistry(loaded.files, loaded.problems, loaded.display);
  if (!validated.ok) throw new InputError(validated.problems);
  let tags = validated.registry.tags;
  if ('base' in scope) {
    const before = new Map((await readRegistryAt(registryDir, scope.base)).map((f) => [f.path, f]));
    tags = tags.filter((t) => {
      const old = before.get(t.path);
      if (!old) return true;
      if (old.blob === t.blob) return false;
      const parsed = parseMarkdownRecord(old.text);
      const o = parsed.ok ? (parsed.value.data as Record<string, unknown>) : {};
      const r = t.record;
      return o.url !== r.url || o.sha256 !== r.sha256 || o.md5 !== r.md5 || o.size !== r.size;
    });
  }

  const reports: VerifyReport[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      const report: VerifyReport = { tag, failure: await verifyImage(tag.record, options) };
      reports.push(report);
      onReport(report);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, tags.length)) }, worker));
  return reports.sort((a, b) => (a.tag.file < b.tag.file ? -1 : 1));
}
