import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isValidName } from '../schema/names.ts';
import { tagRecord, type CollectionRecord, type ContainerRecord, type TagRecord } from '../schema/record.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { toBaseOs, toOsTopic } from './base-os.ts';
import { isTagRecordPath, type FileChange, type FileHistory } from '../git/parse-log.ts';
import { toLabelIndex, type LabelKeyEntry } from './to-labels.ts';
import { toRankings, type Rankings } from './to-rankings.ts';
import { toTopicIndex, type TopicEntry } from './to-topics.ts';
import { toSafeHtml } from './markdown.ts';
import { parseMarkdownRecord } from '../records/parse-record.ts';
import type { RegistryInput } from '../records/check-registry.ts';
import { runCache, type ContentCache } from '../pipeline/content-cache-fs.ts';

// Stage 5: records × git history → entries, the one model every output (manifests, API, pages)
// is projected from. Pure.

export interface Version {
  sha256: string;
  md5: string;
  size: number;
  url: string;
  /** Absent while the version is not committed yet. */
  commit?: string;
  date?: string;
  author?: string;
}

export interface TagEntry {
  collection: string;
  container: string;
  name: string;
  file: string;
  record: TagRecord;
  notesHtml: string;
  /** Every image the tag has pointed at, oldest first; the last is `current`. */
  versions: Version[];
  current: Version;
  firstAdded?: string;
  lastChanged?: string;
  /** The working tree differs from the last commit (a local build before committing). */
  uncommitted: boolean;
  /** What the last change did: added the tag, pointed it at a new image, or edited other fields. */
  lastChange: 'added' | 'new image' | 'edited' | 'uncommitted';
  /** The automatic base-OS topic (os-release when recorded, else the definition's `From:`). */
  baseOs?: string;
  /** Downloads of every image the tag has pointed at; null when unknown (never 0 for unknown). */
  downloads: number | null;
}

export interface ContainerEntry {
  collection: string;
  name: string;
  record: ContainerRecord;
  descriptionHtml: string;
  /** Newest version first, `latest` on top. */
  tags: TagEntry[];
  /** The tag `name:latest` resolves to, if any. */
  latest?: string;
  lastChanged?: string;
  /** Bytes of the distinct current images of its tags. */
  bytes: number;
  /** The record's topics, then the base-OS topics of its tags. */
  topics: string[];
  downloads: number | null;
}

export interface CollectionEntry {
  name: string;
  record: CollectionRecord;
  descriptionHtml: string;
  containers: ContainerEntry[];
  lastChanged?: string;
  bytes: number;
  tagCount: number;
  /** 👍 reactions on the collection's stars issue; null when unknown. */
  stars: number | null;
  /** Downloads of its containers' images; null when none is known. */
  downloads: number | null;
}

/** A tag whose record was deleted: its versions stay pullable by digest. */
export interface RemovedTag {
  collection: string;
  container: string;
  name: string;
  file: string;
  versions: Version[];
}

export interface Site {
  config: SiteConfig;
  descriptionHtml: string;
  collections: CollectionEntry[];
  /** The most recently changed tags, newest first; uncommitted ones lead. */
  recent: TagEntry[];
  removed: RemovedTag[];
  counts: { collections: number; containers: number; tags: number; bytes: number };
  labels: LabelKeyEntry[];
  /** Label key → its page's slug. */
  labelSlugs: ReadonlyMap<string, string>;
  topics: TopicEntry[];
  rankings: Rankings;
}

/**
 * Numbers that live on GitHub, fetched at build time and never committed (DESIGN §4). A missing
 * entry means unknown, and pages show "—" for it.
 */
export interface Usage {
  /** Download count of an image, by its URL (release assets). */
  downloads: ReadonlyMap<string, number>;
  /** Stars of a collection, by name. */
  stars: ReadonlyMap<string, number>;
}

export const NO_USAGE: Usage = { downloads: new Map(), stars: new Map() };

const RECENT_TAGS = 15;

const imageFields = z.object({ url: tagRecord.shape.url, sha256: tagRecord.shape.sha256, md5: tagRecord.shape.md5, size: tagRecord.shape.size });
type Image = z.infer<typeof imageFields>;

/** `cache` keeps rendered Markdown and old versions' image fields by content between builds. */
export function toSite(registry: RegistryInput, history: { files: FileHistory[]; blobs: ReadonlyMap<string, string> }, usage: Usage = NO_USAGE, cache: ContentCache = runCache()): Site {
  const toHtml = (markdown: string) => (markdown.trim() === '' ? '' : cache.memo('html', createHash('sha1').update(markdown).digest('hex'), () => toSafeHtml(markdown))!);
  const historyByPath = new Map(history.files.map((h) => [h.path, h]));
  // History only fetched blobs that no working-tree record has: an old version can be
  // byte-identical to another tag's record today.
  const recordOfBlob = new Map(registry.tags.map((t) => [t.blob, t.record]));
  const imageOfBlob = (blob: string): Image | undefined => {
    const known = recordOfBlob.get(blob);
    if (known) return known;
    const text = history.blobs.get(blob);
    if (text === undefined) return undefined;
    return cache.memo('history-image', blob, () => {
      const parsed = parseMarkdownRecord(text);
      if (!parsed.ok) return undefined;
      const image = imageFields.safeParse(parsed.value.data);
      return image.success ? image.data : undefined;
    });
  };

  const tagsByContainer = new Map<string, TagEntry[]>();
  const livePaths = new Set<string>();
  for (const tag of registry.tags) {
    livePaths.add(tag.path);
    const changes = historyByPath.get(tag.path)?.changes ?? [];
    const versions = toVersions(changes, imageOfBlob);
    const committedBlob = changes.at(-1)?.blob;
    const last = versions.at(-1);
    if (last && last.sha256 === tag.record.sha256) last.url = tag.record.url;
    else versions.push(pick(tag.record));
    const firstAdded = changes[0]?.date;
    const lastChanged = committedBlob === tag.blob ? changes.at(-1)?.date : undefined;
    const current = versions.at(-1)!;
    const entry: TagEntry = {
      collection: tag.collection,
      container: tag.container,
      name: tag.name,
      file: tag.file,
      record: tag.record,
      notesHtml: toHtml(tag.notes),
      versions,
      current,
      firstAdded,
      lastChanged,
      uncommitted: committedBlob !== tag.blob,
      lastChange: lastChanged === undefined ? 'uncommitted' : changes.length === 1 ? 'added' : current.date === lastChanged ? 'new image' : 'edited',
      baseOs: (tag.record.os && toOsTopic(tag.record.os.id)) ?? toBaseOs(tag.record.bootstrap, tag.record.from),
      downloads: sumKnown(distinct(versions.map((v) => v.url)).map((url) => usage.downloads.get(url))),
    };
    const key = `${tag.collection}/${tag.container}`;
    const list = tagsByContainer.get(key);
    if (list) list.push(entry);
    else tagsByContainer.set(key, [entry]);
  }

  const removed: RemovedTag[] = [];
  for (const file of history.files) {
    if (livePaths.has(file.path) || !isTagRecordPath(file.path)) continue;
    const [collection, container, base] = file.path.split('/') as [string, string, string];
    const name = base.slice(0, -'.md'.length);
    // Names are checked before they become output paths, also for long-deleted records.
    if (!isValidName('collection', collection) || !isValidName('container', container) || !isValidName('tag', name)) continue;
    const versions = toVersions(file.changes, imageOfBlob);
    if (versions.length > 0) removed.push({ collection, container, name, file: `${registry.display}/${file.path} (deleted)`, versions });
  }

  const latestRule = registry.config.latest ?? 'newest';
  const containersByCollection = new Map<string, ContainerEntry[]>();
  for (const container of registry.containers) {
    const tags = (tagsByContainer.get(`${container.collection}/${container.name}`) ?? []).sort(compareTagsNewestFirst);
    const entry: ContainerEntry = {
      collection: container.collection,
      name: container.name,
      record: container.record,
      descriptionHtml: toHtml(container.description),
      tags,
      latest: tags.some((t) => t.name === 'latest') ? 'latest' : latestRule === 'newest' ? mostRecentlyUpdated(tags)?.name : undefined,
      lastChanged: maxDate(tags.map((t) => t.lastChanged)),
      bytes: distinctBytes(tags.map((t) => t.current)),
      topics: distinct([...(container.record.topics ?? []), ...tags.flatMap((t) => (t.baseOs ? [t.baseOs] : []))]),
      downloads: sumKnown(distinct(tags.flatMap((t) => t.versions.map((v) => v.url))).map((url) => usage.downloads.get(url))),
    };
    const list = containersByCollection.get(container.collection) ?? [];
    list.push(entry);
    containersByCollection.set(container.collection, list);
  }

  const collections: CollectionEntry[] = registry.collections
    .map((collection) => {
      const containers = (containersByCollection.get(collection.name) ?? []).sort((a, b) => a.name.localeCompare(b.name));
      return {
        name: collection.name,
        record: collection.record,
        descriptionHtml: toHtml(collection.description),
        containers,
        lastChanged: maxDate(containers.map((c) => c.lastChanged)),
        bytes: distinctBytes(containers.flatMap((c) => c.tags.map((t) => t.current))),
        tagCount: sum(containers.map((c) => c.tags.length)),
        stars: usage.stars.get(collection.name) ?? null,
        downloads: sumKnown(containers.map((c) => c.downloads ?? undefined)),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const changedAt = (t: TagEntry) => (t.lastChanged === undefined ? Infinity : Date.parse(t.lastChanged));
  const recent = collections
    .flatMap((c) => c.containers.flatMap((n) => n.tags))
    .sort((a, b) => changedAt(b) - changedAt(a))
    .slice(0, RECENT_TAGS);

  const labels = toLabelIndex(collections);
  return {
    config: registry.config,
    descriptionHtml: toHtml(registry.config.description ?? ''),
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
    labelSlugs: new Map(labels.map((l) => [l.key, l.slug])),
    topics: toTopicIndex(collections),
    rankings: toRankings(collections),
  };
}

/** A new version starts whenever the image (sha256) changes; a moved URL updates the version. */
function toVersions(changes: readonly FileChange[], imageOf: (blob: string) => Image | undefined): Version[] {
  const versions: Version[] = [];
  for (const change of changes) {
    if (change.blob === null) continue;
    const image = imageOf(change.blob);
    if (!image) continue;
    const last = versions.at(-1);
    if (last && last.sha256 === image.sha256) {
      last.url = image.url;
      continue;
    }
    versions.push({ ...pick(image), commit: change.commit, date: change.date, author: change.author });
  }
  return versions;
}

function pick(image: Image): Version {
  return { sha256: image.sha256, md5: image.md5, size: image.size, url: image.url };
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
function distinctBytes(versions: readonly Version[]): number {
  const sizes = new Map(versions.map((v) => [v.sha256, v.size]));
  return sum([...sizes.values()]);
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
