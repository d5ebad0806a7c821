import { mapConcurrent } from '../../concurrency.ts';
import { InputError } from '../../errors.ts';
import { recordOrUndefined } from '../../records/check-record.ts';
import { loadRecords } from '../../records/load-records-fs.ts';
import { readRegistryFilesAt } from '../../records/read-registry-git.ts';
import type { RegistryFile, TagInput } from '../../records/types.ts';
import { toAllowedHosts } from '../../storage/allowed-hosts.ts';
import { verifyImage, type VerifyOptions } from '../../storage/verify-image-http.ts';
import { CONFIG_FILE } from '../../records/layout.ts';

// Which image URLs `sifhub verify` checks, and checking them a few at a time. A record names its
// image at `url` and, optionally, at `mirrors:`; each address is fetched and must serve exactly
// the recorded bytes. With --base, the addresses a change introduces: every one of a new tag or of
// a tag whose image changed, and otherwise each url or mirror the base did not list, so a tag
// cannot be re-pointed at another host, or given mirrors, unseen. A withdrawn image is never
// fetched.

export interface VerifyReport {
  tag: TagInput;
  /** The address checked: the record's url, or one of its mirrors. */
  url: string;
  /** "url" or "mirrors[2]": where the address is in the record. */
  field: string;
  /** Undefined when the image checked out. */
  failure?: string;
}

interface Target {
  tag: TagInput;
  url: string;
  field: string;
}

function addresses(tag: TagInput): Target[] {
  return [{ tag, url: tag.record.url, field: 'url' }, ...(tag.record.mirrors ?? []).map((url, i) => ({ tag, url, field: `mirrors[${i}]` }))];
}

/** The addresses of `tag` that its version in the base (`old`) did not already serve the same image from. */
function newAddresses(tag: TagInput, old: RegistryFile | undefined): Target[] {
  if (!old) return addresses(tag);
  if (old.blob === tag.blob) return [];
  const o = recordOrUndefined(old, 'image');
  const r = tag.record;
  if (!o || o.sha256 !== r.sha256 || o.md5 !== r.md5 || o.size !== r.size) return addresses(tag);
  // What the record says of the image's signatures is checked against its bytes: a change to it is checked again.
  if (JSON.stringify(recordOrUndefined(old, 'tag')?.signatures) !== JSON.stringify(r.signatures)) return addresses(tag).slice(0, 1);
  // The base's mirrors, when its record still checks as a tag; otherwise every mirror is new.
  const known = new Set([o.url, ...(recordOrUndefined(old, 'tag')?.mirrors ?? [])]);
  return addresses(tag).filter((target) => !known.has(target.url));
}

export async function verifyRegistry(
  registryDir: string,
  scope: { base: string; head?: string } | { all: true },
  options: VerifyOptions & { jobs: number },
  onReport: (report: VerifyReport) => void = () => {},
): Promise<VerifyReport[]> {
  const { checked } = await loadRecords(registryDir, { at: 'head' in scope ? scope.head : undefined });
  if (!checked.ok) throw new InputError(checked.problems);
  // Which internal hosts may be fetched from is the base's to say: a pull request cannot allow itself one.
  const baseFiles = 'base' in scope ? await readRegistryFilesAt(registryDir, scope.base) : undefined;
  const config = baseFiles ? recordOrUndefined(baseFiles.find((f) => f.path === CONFIG_FILE), 'config') : checked.registry.config;
  const fetchOptions = { ...options, allowedHosts: toAllowedHosts(config?.allowHosts) };
  // A withdrawn image is not fetched again: it may be what made it withdrawn. As on the site, an
  // image withdrawn by its container's README or by one tag's record is withdrawn in every tag
  // of that container.
  const imageKey = (collection: string, container: string, sha256: string) => `${collection}/${container}@${sha256}`;
  const withdrawn = new Set([
    ...checked.registry.containers.flatMap((c) => (c.record.withdrawn ?? []).map((w) => imageKey(c.collection, c.name, w.sha256))),
    ...checked.registry.tags.filter((t) => t.record.withdrawn !== undefined).map((t) => imageKey(t.collection, t.container, t.record.sha256)),
  ]);
  const served = checked.registry.tags.filter((tag) => !withdrawn.has(imageKey(tag.collection, tag.container, tag.record.sha256)));
  let targets = served.flatMap(addresses);
  if (baseFiles) {
    const before = new Map(baseFiles.map((f) => [f.path, f]));
    targets = served.flatMap((tag) => newAddresses(tag, before.get(tag.path)));
  }

  const reports = await mapConcurrent(targets, options.jobs, async (target) => {
    const report: VerifyReport = { ...target, failure: await verifyImage({ ...target.tag.record, url: target.url }, fetchOptions) };
    onReport(report);
    return report;
  });
  return reports.sort((a, b) => (a.tag.file < b.tag.file ? -1 : a.tag.file > b.tag.file ? 1 : a.field < b.field ? -1 : 1));
}
