import type { CollectionRecord, ContainerRecord, TagRecord } from '../schema/record.ts';
import type { SiteConfig } from '../schema/site-config.ts';

// The site model: the one value every output (manifests, API, pages, search) is projected from.
// A record (src/records/) is what was committed; an entry is a record joined with its history
// and usage counts. Built level by level in to-site.ts.

/** The four fields that make an image, as the tag record's schema types them. */
export type Image = Pick<TagRecord, 'url' | 'sha256' | 'md5' | 'size'>;

/** One more architecture's image of a tag (its record's `platforms`). */
export interface PlatformImage extends Image {
  architecture: string;
  /** Taken back on its own, by its container's README listing it. */
  retraction?: Retraction;
}

/** An image as a version of its record states it: with whether it was taken back, and its other architectures' images. */
export type ImageState = Image & Partial<Pick<TagRecord, 'yanked' | 'withdrawn' | 'architecture'>> & { platforms?: readonly (Image & { architecture: string })[] };

/**
 * An image its owners took back, as npm, PyPI and crates.io do. Yanked: no tag or `latest`
 * resolves to it, its exact pin still pulls it. Withdrawn: nothing serves it; its pages keep a
 * tombstone.
 */
export interface Retraction {
  kind: 'yanked' | 'withdrawn';
  reason: string;
  /** When a record first said so; absent while that is not committed. */
  date?: string;
}

/** One image a tag has pointed at, and the commit that pointed it there. */
export interface Version extends Image {
  /** Absent while the version is not committed yet. */
  commit?: string;
  date?: string;
  author?: string;
  retraction?: Retraction;
  /** The architecture of the image at `url`, when the record named it. */
  architecture?: string;
  /** The same version's images for other architectures; a change to any of them is a new version. */
  platforms?: PlatformImage[];
}

/** One signature of a tag's current image, as its page and the API tell it. */
export interface SignatureView {
  type: 'pgp' | 'pgp-legacy' | 'dsse' | 'unknown';
  /** The signer's PGP fingerprint; undefined for DSSE. */
  fingerprint?: string;
  /**
   * verified: a key the collection trusts made it, and the image is unchanged since. untrusted:
   * a key of the registry the collection does not list. unknown-key: no key of the registry.
   * invalid: the signature does not hold. tampered: the image changed after signing.
   * unchecked: the record keeps no signed message to check (recorded before sifhub kept them).
   */
  status: 'verified' | 'untrusted' | 'unknown-key' | 'invalid' | 'tampered' | 'unchecked';
  /** Who the key says it is. */
  signer?: string;
  /** The signer's key was re-self-signed after signing (accepted, as apptainer verify does). */
  keyResigned?: true;
  /** What changed (tampered), or why the signature does not hold (invalid). */
  problem?: string;
  /** The SIF objects it covers. */
  objects?: number[];
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
  /** What the last change did: added the tag, pointed it at a new image, yanked or withdrew its image, or edited other fields. */
  lastChange: 'added' | 'new image' | 'yanked' | 'withdrawn' | 'edited' | 'uncommitted';
  /** The automatic base-OS topic (os-release when recorded, else the definition's `From:`). */
  baseOs?: string;
  /** Downloads of every image the tag has pointed at; null when unknown (never 0 for unknown). */
  downloads: number | null;
  /** Its current image's signatures; undefined when it has none, or the registry has signatures: off. */
  signatures?: SignatureView[];
  /** The signatures of each other architecture's current image, by architecture (those that have any). */
  platformSignatures?: Record<string, SignatureView[]>;
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
  /** registry.yml as the user sees its path, to name in a problem about the whole registry. */
  configFile: string;
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
  /** The registry's signer keys (keys/), served for clients to verify with. */
  keys: SiteKey[];
  /** Its PGP keys as one armored keyring, served as a keyserver's lookup answer ('' without any). */
  keyring: string;
}

/** A signer key of the registry, as the site serves it. */
export interface SiteKey {
  /** The PGP fingerprint, or the PEM key's name. */
  id: string;
  kind: 'pgp' | 'pem';
  /** Who the key says it is. */
  name: string;
  /** The public key's text (armored PGP, or PEM). */
  text: string;
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

export interface LabelHolder {
  container: ContainerEntry;
  /** Its tags whose current image carries the value. */
  tags: TagEntry[];
}

interface LabelValueEntry {
  value: string;
  holders: LabelHolder[];
}

export interface LabelKeyEntry {
  key: string;
  /**
   * A URL path segment: safe characters only, unique, stable for a key. Undefined for a key with
   * no page of its own: beyond MAX_LABEL_PAGES keys, the ones the fewest containers carry.
   */
  slug?: string;
  /** Containers carrying the key with any value. */
  containerCount: number;
  /** Most widely carried first. */
  values: LabelValueEntry[];
}

export interface TopicEntry {
  /** A slug (the record schema allows only lowercase words), so it is its own URL segment. */
  topic: string;
  collections: CollectionEntry[];
  containers: ContainerEntry[];
  /** Set when some image is built on this OS: the topic came from the images themselves. */
  baseOs: boolean;
}

export interface Rankings {
  collectionsByStars: CollectionEntry[];
  containersByDownloads: ContainerEntry[];
  collectionsByDownloads: CollectionEntry[];
}

