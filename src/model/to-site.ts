import type { FileChange, FileHistory } from '../git/parse-log.ts';
import { CONFIG_FILE, isTagRecordPath } from '../records/layout.ts';
import type { CollectionInput, ContainerInput, RegistryInput, TagInput } from '../records/types.ts';
import { isSafeInDigestPath } from '../schema/names.ts';
import { toBaseOs, toOsTopic } from './base-os.ts';
import { platformSignaturesKey } from './platforms.ts';
import { toLabelIndex } from './to-labels.ts';
import { toRankings } from './to-rankings.ts';
import { toTopicIndex } from './to-topics.ts';
import type { ContainerRecord } from '../schema/record.ts';
import type { CollectionEntry, ContainerEntry, ImageState, RemovedTag, Retraction, SignatureView, Site, SiteKey, TagEntry, Usage, Version } from './types.ts';

// Stage 5: records × git history × usage counts → the site model, one function per level (tag,
// container, collection, registry). Pure: Markdown rendering and reading old versions' images
// come in as functions, so the pipeline can keep their results between builds.

export interface SiteInput {
  registry: RegistryInput;
  history: { files: readonly FileHistory[] };
  usage: Usage;
  /** Markdown → sanitised HTML. */
  html(markdown: string): string;
  /** The image an old version of a record (a blob no working-tree record has) points at. */
  imageOfBlob(blob: string): ImageState | undefined;
  /** An old version of a container's README (a blob no working-tree record has). */
  containerOfBlob(blob: string): ContainerRecord | undefined;
  /** Each tag's signatures, by the tag record's path (pipeline/tag-signatures.ts); none when absent. */
  signatures?: ReadonlyMap<string, SignatureView[]>;
  /** The registry's signer keys, checked (records/check-signer-keys.ts). */
  keys?: readonly SiteKey[];
  /** Its PGP keys as one armored keyring. */
  keyring?: string;
}

interface Context {
  usage: Usage;
  signatures?: ReadonlyMap<string, SignatureView[]>;
  html(markdown: string): string;
  imageOf(blob: string): ImageState | undefined;
  /** The images a container's README lists as yanked or withdrawn, by sha256. */
  listed(collection: string, container: string): ReadonlyMap<string, Retraction>;
}

const NONE_LISTED: ReadonlyMap<string, Retraction> = new Map();

const RECENT_TAGS = 15;

export function toSite(input: SiteInput): Site {
  const { registry, history, usage, html } = input;
  const historyByPath = new Map(history.files.map((h) => [h.path, h]));
  // History only fetched blobs that no working-tree record has: an old version can be
  // byte-identical to another tag's record today.
  const recordOfBlob = new Map(registry.tags.map((t) => [t.blob, t.record]));
  const listed = new Map(
    registry.containers.map((c) => [`${c.collection}/${c.name}`, toListedRetractions(c, historyByPath.get(`${c.collection}/${c.name}/README.md`)?.changes ?? [], input.containerOfBlob)]),
  );
  const context: Context = {
    usage,
    signatures: input.signatures,
    html,
    imageOf: (blob) => recordOfBlob.get(blob) ?? input.imageOfBlob(blob),
    listed: (collection, container) => listed.get(`${collection}/${container}`) ?? NONE_LISTED,
  };

  const tagsByContainer = groupBy(
    registry.tags.map((tag) => toTagEntry(tag, historyByPath.get(tag.path)?.changes ?? [], context)),
    (t) => `${t.collection}/${t.container}`,
  );
  const removed = toRemovedTags(history.files, new Set(registry.tags.map((t) => t.path)), registry.display, context);
  // An image withdrawn in one tag is withdrawn in its container: nothing there may serve it.
  const removedByContainer = groupBy(removed, (t) => `${t.collection}/${t.container}`);
  for (const key of new Set([...tagsByContainer.keys(), ...removedByContainer.keys()])) {
    withdrawEverywhere([...(tagsByContainer.get(key) ?? []), ...(removedByContainer.get(key) ?? [])].flatMap((t) => t.versions));
  }
  const latestRule = registry.config.latest ?? 'newest';
  const containersByCollection = groupBy(
    registry.containers.map((container) => toContainerEntry(container, tagsByContainer.get(`${container.collection}/${container.name}`) ?? [], latestRule, context)),
    (c) => c.collection,
  );
  const collections = registry.collections
    .map((collection) => toCollectionEntry(collection, containersByCollection.get(collection.name) ?? [], context))
    .sort((a, b) => a.name.localeCompare(b.name));

  const changedAt = (t: TagEntry) => (t.lastChanged === undefined ? Infinity : Date.parse(t.lastChanged));
  const recent = collections
    .flatMap((c) => c.containers.flatMap((n) => n.tags))
    .sort((a, b) => changedAt(b) - changedAt(a))
    .slice(0, RECENT_TAGS);
  const labels = toLabelIndex(collections);
  return {
    config: registry.config,
    configFile: `${registry.display}/${CONFIG_FILE}`,
    keys: [...(input.keys ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1)),
    keyring: input.keyring ?? '',
    descriptionHtml: html(registry.config.description ?? ''),
    collections,
    recent,
    removed,
    counts: {
      collections: collections.length,
      containers: sum(collections.map((c) => c.containers.length)),
      tags: sum(collections.map((c) => c.tagCount)),
      bytes: distinctBytes(collections.flatMap((c) => c.containers.flatMap((n) => n.tags.map((t) => t.current)))),
    },
    labels,
    labelSlugs: new Map(labels.flatMap((l) => (l.slug ? [[l.key, l.slug] as const] : []))),
    topics: toTopicIndex(collections),
    rankings: toRankings(collections),
  };
}

function toTagEntry(tag: TagInput, changes: readonly FileChange[], context: Context): TagEntry {
  const versions = toVersions(changes, context.imageOf);
  const committedBlob = changes.at(-1)?.blob;
  const lastChanged = committedBlob === tag.blob ? changes.at(-1)?.date : undefined;
  const last = versions.at(-1);
  if (last && sameImages(last, tag.record)) {
    refresh(last, tag.record);
    last.retraction = carry(last.retraction, tag.record, lastChanged);
  } else versions.push({ ...pick(tag.record), retraction: carry(undefined, tag.record, undefined) });
  applyListed(versions, context.listed(tag.collection, tag.container));
  const current = versions.at(-1)!;
  return {
    collection: tag.collection,
    container: tag.container,
    name: tag.name,
    file: tag.file,
    record: tag.record,
    notesHtml: context.html(tag.notes),
    versions,
    current,
    firstAdded: changes[0]?.date,
    lastChanged,
    uncommitted: committedBlob !== tag.blob,
    lastChange: lastChanged === undefined ? 'uncommitted' : current.retraction?.date !== undefined && current.retraction.date === lastChanged ? current.retraction.kind : changes.length === 1 ? 'added' : current.date === lastChanged ? 'new image' : 'edited',
    baseOs: (tag.record.os && toOsTopic(tag.record.os.id)) ?? toBaseOs(tag.record.bootstrap, tag.record.from),
    downloads: sumKnown(distinct(versions.map((v) => v.url)).map((url) => context.usage.downloads.get(url))),
    signatures: context.signatures?.get(tag.path),
    ...platformSignaturesOf(tag, context),
  };
}

/** Tags whose records were deleted: their versions stay pullable by digest. */
function toRemovedTags(files: readonly FileHistory[], livePaths: ReadonlySet<string>, registryDisplay: string, context: Pick<Context, 'imageOf' | 'listed'>): RemovedTag[] {
  const removed: RemovedTag[] = [];
  for (const file of files) {
    if (livePaths.has(file.path) || !isTagRecordPath(file.path)) continue;
    const [collection, container, base] = file.path.split('/') as [string, string, string];
    const name = base.slice(0, -'.md'.length);
    // Names are checked before they become output paths, also for long-deleted records.
    if (!isSafeInDigestPath('collection', collection) || !isSafeInDigestPath('container', container) || !isSafeInDigestPath('tag', name)) continue;
    const versions = toVersions(file.changes, context.imageOf);
    applyListed(versions, context.listed(collection, container));
    if (versions.length > 0) removed.push({ collection, container, name, file: `${registryDisplay}/${file.path} (deleted)`, versions });
  }
  return removed;
}

function toContainerEntry(container: ContainerInput, tagEntries: readonly TagEntry[], latestRule: 'newest' | 'none', context: Context): ContainerEntry {
  const tags = [...tagEntries].sort(compareTagsNewestFirst);
  return {
    collection: container.collection,
    name: container.name,
    record: container.record,
    descriptionHtml: context.html(container.description),
    tags,
    // A yanked or withdrawn image is never what `latest` resolves to.
    latest: tags.some((t) => t.name === 'latest') ? 'latest' : latestRule === 'newest' ? mostRecentlyUpdated(tags.filter((t) => !t.current.retraction))?.name : undefined,
    lastChanged: maxDate(tags.map((t) => t.lastChanged)),
    bytes: distinctBytes(tags.map((t) => t.current)),
    topics: distinct([...(container.record.topics ?? []), ...tags.flatMap((t) => (t.baseOs ? [t.baseOs] : []))]),
    downloads: sumKnown(distinct(tags.flatMap((t) => t.versions.map((v) => v.url))).map((url) => context.usage.downloads.get(url))),
  };
}

function toCollectionEntry(collection: CollectionInput, containerEntries: readonly ContainerEntry[], context: Context): CollectionEntry {
  const containers = [...containerEntries].sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: collection.name,
    record: collection.record,
    descriptionHtml: context.html(collection.description),
    containers,
    lastChanged: maxDate(containers.map((c) => c.lastChanged)),
    bytes: distinctBytes(containers.flatMap((c) => c.tags.map((t) => t.current))),
    tagCount: sum(containers.map((c) => c.tags.length)),
    stars: context.usage.stars.get(collection.name) ?? null,
    downloads: sumKnown(containers.map((c) => c.downloads ?? undefined)),
  };
}

/**
 * A new version starts whenever the image (sha256) changes; a moved URL updates the version. A
 * version is yanked or withdrawn as the last record naming its image said, since the commit that
 * first said so.
 */
function toVersions(changes: readonly FileChange[], imageOf: (blob: string) => ImageState | undefined): Version[] {
  const versions: Version[] = [];
  for (const change of changes) {
    if (change.blob === null) continue;
    const image = imageOf(change.blob);
    if (!image) continue;
    const last = versions.at(-1);
    if (last && sameImages(last, image)) {
      refresh(last, image);
      last.retraction = carry(last.retraction, image, change.date);
      continue;
    }
    versions.push({ ...pick(image), commit: change.commit, date: change.date, author: change.author, retraction: carry(undefined, image, change.date) });
  }
  return versions;
}

/** What a record now says of its image, dated from when it first said it (`date` is this record's commit). */
function carry(before: Retraction | undefined, image: ImageState, date: string | undefined): Retraction | undefined {
  const now: Omit<Retraction, 'date'> | undefined =
    image.withdrawn !== undefined ? { kind: 'withdrawn', reason: image.withdrawn } : image.yanked !== undefined ? { kind: 'yanked', reason: image.yanked } : undefined;
  if (!now) return undefined;
  const since = before?.kind === now.kind ? before.date : date;
  return since === undefined ? now : { ...now, date: since };
}

/**
 * The images a container's README lists as yanked or withdrawn, each dated from the README
 * commit that first listed it so (undated while the listing is not committed).
 */
function toListedRetractions(container: ContainerInput, changes: readonly FileChange[], recordOf: (blob: string) => ContainerRecord | undefined): Map<string, Retraction> {
  let listed = new Map<string, Retraction>();
  const read = (record: ContainerRecord | undefined, date: string | undefined) => {
    const next = new Map<string, Retraction>();
    for (const kind of ['yanked', 'withdrawn'] as const) {
      for (const { sha256, reason } of record?.[kind] ?? []) {
        const before = listed.get(sha256);
        const since = before?.kind === kind ? before.date : date;
        next.set(sha256, since === undefined ? { kind, reason } : { kind, reason, date: since });
      }
    }
    listed = next;
  };
  for (const change of changes) if (change.blob !== null) read(change.blob === container.blob ? container.record : recordOf(change.blob), change.date);
  const committed = changes.at(-1);
  if (!committed || committed.blob !== container.blob) read(container.record, undefined);
  return listed;
}

/** The README's word on an image adds to its record's: withdrawn wins over yanked. */
function applyListed(versions: readonly Version[], listed: ReadonlyMap<string, Retraction>): void {
  for (const version of versions) {
    // A record's yanked or withdrawn covers each architecture's image; a README's listing, the one it names.
    for (const platform of version.platforms ?? []) platform.retraction = stronger(listed.get(platform.sha256), version.retraction);
    const said = listed.get(version.sha256);
    if (said && (said.kind === 'withdrawn' || !version.retraction)) version.retraction = said;
  }
}

function stronger(a: Retraction | undefined, b: Retraction | undefined): Retraction | undefined {
  return a?.kind === 'withdrawn' ? a : b?.kind === 'withdrawn' ? b : (a ?? b);
}

/** Every version of an image some version withdraws is withdrawn, with that reason. */
function withdrawEverywhere(versions: readonly Version[]): void {
  // Each architecture's image too: bytes withdrawn as one tag's image are served as no other's.
  const images = versions.flatMap((v) => [v, ...(v.platforms ?? [])]);
  const withdrawn = new Map(images.flatMap((i) => (i.retraction?.kind === 'withdrawn' ? [[i.sha256, i.retraction] as const] : [])));
  for (const image of images) {
    const said = withdrawn.get(image.sha256);
    if (said && image.retraction?.kind !== 'withdrawn') image.retraction = said;
  }
}

function pick(image: ImageState): Version {
  const platforms = image.platforms?.map((p) => ({ architecture: p.architecture, sha256: p.sha256, md5: p.md5, size: p.size, url: p.url }));
  return { sha256: image.sha256, md5: image.md5, size: image.size, url: image.url, ...(image.architecture ? { architecture: image.architecture } : {}), ...(platforms ? { platforms } : {}) };
}

/** A later record of the same images: where they are now, and what it says of their architectures. */
function refresh(version: Version, image: ImageState): void {
  const { url, architecture, platforms } = pick(image);
  Object.assign(version, { url, architecture, platforms });
}

/** Whether a record names the same images as a version: its own, and each other architecture's. */
function sameImages(version: Version, image: ImageState): boolean {
  const key = (platforms: readonly { sha256: string }[] | undefined) => (platforms ?? []).map((p) => p.sha256).sort().join();
  return version.sha256 === image.sha256 && key(version.platforms) === key(image.platforms);
}

/** When `latest` is not a tag: the tag whose image changed last; uncommitted counts as newest. */
function mostRecentlyUpdated(tags: readonly TagEntry[]): TagEntry | undefined {
  const key = (t: TagEntry) => (t.current.date === undefined ? Infinity : Date.parse(t.current.date));
  return [...tags].sort((a, b) => key(b) - key(a) || compareTagsNewestFirst(a, b))[0];
}

const collator = new Intl.Collator('en', { numeric: true });

function compareTagsNewestFirst(a: TagEntry, b: TagEntry): number {
  if (a.name === 'latest' || b.name === 'latest') return a.name === 'latest' ? -1 : 1;
  return collator.compare(b.name, a.name);
}

function maxDate(dates: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const d of dates) if (d !== undefined && (best === undefined || Date.parse(d) > Date.parse(best))) best = d;
  return best;
}

/** Storage, not tag count: two tags on one image count it once. */
/** The bytes the images take (each architecture's), each once; a withdrawn image is served nowhere, so it counts nowhere. */
function distinctBytes(versions: readonly Version[]): number {
  const kept = (image: { retraction?: Retraction }) => image.retraction?.kind !== 'withdrawn';
  const sizes = new Map(versions.filter(kept).flatMap((v) => [v, ...(v.platforms ?? []).filter(kept)]).map((i) => [i.sha256, i.size]));
  return sum([...sizes.values()]);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The sum of the known numbers; null when none is known. */
function sumKnown(values: readonly (number | undefined)[]): number | null {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? null : sum(known);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Each other architecture's signatures, as tag-signatures.ts keeps them (path#arch); nothing when none has any. */
function platformSignaturesOf(tag: TagInput, context: Pick<Context, 'signatures'>): Pick<TagEntry, 'platformSignatures'> {
  const found = (tag.record.platforms ?? []).flatMap((p) => {
    const views = context.signatures?.get(platformSignaturesKey(tag.path, p.architecture));
    return views ? [[p.architecture, views] as const] : [];
  });
  return found.length > 0 ? { platformSignatures: Object.fromEntries(found) } : {};
}
