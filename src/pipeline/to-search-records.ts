import type { SiteConfig } from '../schema/site-config.ts';
import { formatBytes, plural } from '../site/format.ts';
import { href, pagePath } from '../site/urls.ts';
import type { CollectionEntry, ContainerEntry, Site } from '../model/types.ts';
import { topicsOf } from '../model/to-topics.ts';
import { retractedSummary } from '../model/retracted.ts';
import { decodeEntities } from '../site/html.ts';
import type { SearchFilter } from '../model/search-filters.ts';

// The search index's input, projected from the site model (never by re-reading records or
// pages). One record per container: results then name what people pull, a container with
// hundreds of tags is one result rather than hundreds, and the index stays small at scale.
// Pure.


export interface SearchRecord {
  url: string;
  content: string;
  meta: { title: string; summary: string; latest: string; size: string; tags: string; retracted: string };
  filters: Record<SearchFilter, string[]>;
}

export function toSearchRecords(site: Site): SearchRecord[] {
  return site.collections.flatMap((collection) => toCollectionSearchRecords(site.config, collection));
}

/** One collection's records (a search shard holds whole collections). */
export function toCollectionSearchRecords(config: SiteConfig, collection: CollectionEntry): SearchRecord[] {
  return collection.containers.map((container) => toSearchRecord(config, collection, container));
}

function toSearchRecord(config: SiteConfig, collection: CollectionEntry, container: ContainerEntry): SearchRecord {
  // Tags that share an image share its metadata: index each image once.
  const images = [...new Map(container.tags.map((t) => [t.current.sha256, t.record])).values()];
  // Each distinct line once: a container's tags mostly repeat one definition file with a new
  // version, and indexing the repeats cost time and memory at scale for no new words.
  const lines = new Set<string>();
  const add = (text: string | undefined) => {
    for (const line of (text ?? '').split('\n')) {
      const trimmed = line.trim();
      if (trimmed !== '') lines.add(trimmed);
    }
  };
  add(`${container.collection}/${container.name}`);
  add(container.tags.map((t) => `${container.name}:${t.name}`).join(' '));
  add(container.record.summary);
  add(toPlainText(container.descriptionHtml));
  add(collection.record.summary);
  for (const image of images) {
    for (const [key, value] of Object.entries(image.labels ?? {})) add(`${key} ${value}`);
    add(image.definition);
    add(image.help);
    add(image.from);
    for (const [name, app] of Object.entries(image.apps ?? {})) {
      add(`app ${name}`);
      add(app.help);
    }
  }
  return {
    url: href(config, pagePath.container(container.collection, container.name)),
    content: [...lines].join('\n'),
    meta: {
      title: `${container.collection}/${container.name}`,
      summary: container.record.summary ?? collection.record.summary ?? '',
      latest: container.latest ?? '',
      size: formatBytes(container.bytes),
      tags: plural(container.tags.length, 'tag'),
      retracted: retractedSummary(container.tags),
    },
    filters: {
      collection: [container.collection],
      topic: topicsOf(collection, container),
      label: distinct(images.flatMap((i) => Object.keys(i.labels ?? {}))),
      architecture: distinct(images.flatMap((i) => (i.architecture ? [i.architecture] : []))),
      os: distinct(container.tags.flatMap((t) => (t.baseOs ? [t.baseOs] : []))),
      signed: distinct(container.tags.flatMap(signedByOf)),
    },
  };
}

/** Our own sanitised Markdown HTML → words for the index. */
function toPlainText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Whom a tag's image is signed by, for the "Signed by" filter: a trusted signer's name, "not verified", or nothing when unsigned. */
function signedByOf(tag: ContainerEntry['tags'][number]): string[] {
  if (!tag.signatures?.length) return [];
  const verified = tag.signatures.find((s) => s.status === 'verified');
  return [verified ? (verified.signer ?? verified.fingerprint ?? 'a trusted key').replace(/\s*<[^>]*>\s*$/, '') : 'not verified'];
}
