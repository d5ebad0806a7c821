import { mapConcurrent } from '../../concurrency.ts';
import { InputError } from '../../errors.ts';
import { recordOrUndefined } from '../../records/check-record.ts';
import { loadRecords } from '../../records/load-records-fs.ts';
import { readRegistryFilesAt } from '../../records/read-registry-git.ts';
import type { RegistryFile, TagInput } from '../../records/types.ts';
import { toAllowedHosts } from '../../storage/allowed-hosts.ts';
import { verifyImage, type ImageClaim, type VerifyOptions } from '../../storage/verify-image-http.ts';
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
  /** "url", "mirrors[2]" or "platforms.0.url": where the address is in the record. */
  field: string;
  /** The image's size as the record says (the tag's own, or that architecture's). */
  size: number;
  /** Undefined when the image checked out. */
  failure?: string;
}

interface Target {
  tag: TagInput;
  url: string;
  field: string;
  /** What the record says of the image at `url`. */
  claim: Omit<ImageClaim, 'url'>;
}

/** A tag's images: its own, then each other architecture's (`platforms.0.`), each with the record's claims about it. */
function imagesOf(tag: TagInput): { at: string; image: { url: string; mirrors?: readonly string[] } & Omit<ImageClaim, 'url'> }[] {
  return [{ at: '', image: tag.record }, ...(tag.record.platforms ?? []).map((image, i) => ({ at: `platforms.${i}.`, image }))];
}

function claimOf(image: Omit<ImageClaim, 'url'>): Omit<ImageClaim, 'url'> {
  return { size: image.size, sha256: image.sha256, md5: image.md5, signatures: image.signatures, architecture: image.architecture };
}

function addresses(tag: TagInput, at = '', image: { url: string; mirrors?: readonly string[] } & Omit<ImageClaim, 'url'> = tag.record): Target[] {
  const claim = claimOf(image);
  return [{ tag, url: image.url, field: `${at}url`, claim }, ...(image.mirrors ?? []).map((url, i) => ({ tag, url, field: `${at}mirrors[${i}]`, claim }))];
}

/** Every address of every image of the tag. */
function allAddresses(tag: TagInput): Target[] {
  return imagesOf(tag).flatMap(({ at, image }) => addresses(tag, at, image));
}

/** The addresses of `tag` that its version in the base (`old`) did not already serve the same image from. */
function newAddresses(tag: TagInput, old: RegistryFile | undefined): Target[] {
  if (!old) return allAddresses(tag);
  if (old.blob === tag.blob) return [];
  const before = recordOrUndefined(old, 'tag');
  const o = recordOrUndefined(old, 'image');
  if (!o) return allAddresses(tag);
  // Each image is matched with the base's image at the same place (the tag's own, or the platform of that architecture).
  const oldImages = new Map<string, { url: string; mirrors?: readonly string[] } & Omit<ImageClaim, 'url'>>([
    ['', { ...o, mirrors: before?.mirrors, signatures: before?.signatures, architecture: before?.architecture }],
    ...(before?.platforms ?? []).map((p) => [p.architecture, p] as const),
  ]);
  return imagesOf(tag).flatMap(({ at, image }) => {
    const was = oldImages.get(at === '' ? '' : image.architecture!);
    const targets = addresses(tag, at, image);
    if (!was || was.sha256 !== image.sha256 || was.md5 !== image.md5 || was.size !== image.size) return targets;
    // What the record says of the image's signatures and architecture is checked against its bytes: a change to either is checked again.
    if (JSON.stringify(was.signatures) !== JSON.stringify(image.signatures) || was.architecture !== image.architecture) return targets.slice(0, 1);
    // The base's mirrors, when its record still checks as a tag; otherwise every mirror is new.
    const known = new Set([was.url, ...(was.mirrors ?? [])]);
    return targets.filter((target) => !known.has(target.url));
  });
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
    ...checked.registry.tags.filter((t) => t.record.withdrawn !== undefined).flatMap((t) => imagesOf(t).map(({ image }) => imageKey(t.collection, t.container, image.sha256))),
  ]);
  const before = baseFiles && new Map(baseFiles.map((f) => [f.path, f]));
  const targets = checked.registry.tags
    .flatMap((tag) => (before ? newAddresses(tag, before.get(tag.path)) : allAddresses(tag)))
    .filter((target) => !withdrawn.has(imageKey(target.tag.collection, target.tag.container, target.claim.sha256)));

  const reports = await mapConcurrent(targets, options.jobs, async (target) => {
    const report: VerifyReport = { tag: target.tag, url: target.url, field: target.field, size: target.claim.size, failure: await verifyImage({ ...target.claim, url: target.url }, fetchOptions) };
    onReport(report);
    return report;
  });
  return reports.sort((a, b) => (a.tag.file < b.tag.file ? -1 : a.tag.file > b.tag.file ? 1 : a.field < b.field ? -1 : 1));
}
