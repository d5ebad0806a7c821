import type { Problem } from '../errors.ts';
import type { CollectionRecord, ContainerRecord, TagRecord } from '../schema/record.ts';
import type { SiteConfig } from '../schema/site-config.ts';

// The records as sifhub holds them: files as read (from disk or a git commit), then records as
// checked, each with where it lives. Record fields are the zod schemas' types (src/schema/).

export interface RegistryFile {
  /** Path inside the registry, with / separators: "lab/tool/1.0.md". */
  path: string;
  /** Path to show the user: relative to the working directory when inside it. */
  display: string;
  text: string;
  /** git's blob id of the content, to match the working tree against history cheaply. */
  blob: string;
  /** git's file mode ("100644"), when read from a commit: a change of mode alone is a change. */
  mode?: string;
}

export interface RegistryFiles {
  root: string;
  /** The registry folder as the user sees it ("registry"). */
  display: string;
  files: RegistryFile[];
  /** Files that could not be taken as records (a symbolic link, a record over the size limit). */
  problems: Problem[];
  /** The commit the files were read from; undefined for the working tree. */
  commit?: string;
  /** The files of `.schema/` (path ".schema/tag.schema.json"); undefined when there is no such folder. */
  schemaFiles?: RegistryFile[];
}

export interface CollectionInput {
  name: string;
  /** Absent for a collection that exists only through its tags (no README.md). */
  file?: string;
  record: CollectionRecord;
  description: string;
}

export interface ContainerInput {
  collection: string;
  name: string;
  file?: string;
  /** git's blob id of its README.md, to match it against history; absent without one. */
  blob?: string;
  record: ContainerRecord;
  description: string;
}

export interface TagInput {
  collection: string;
  container: string;
  name: string;
  file: string;
  /** Path inside the registry (lab/tool/1.0.md), the key history uses. */
  path: string;
  blob: string;
  record: TagRecord;
  notes: string;
}

/** A signer key file: keys/FINGERPRINT.asc or keys/NAME.pem (checked with check-signer-keys.ts). */
export interface KeyFileInput {
  /** The fingerprint or name the file is named by. */
  id: string;
  file: string;
  path: string;
  text: string;
}

/** Every record of a registry, checked one by one and against each other. */
export interface RegistryInput {
  /** The registry folder as the user sees it ("registry"), for naming deleted records. */
  display: string;
  config: SiteConfig;
  collections: CollectionInput[];
  containers: ContainerInput[];
  tags: TagInput[];
  keyFiles: KeyFileInput[];
}

export type Checked = { ok: true; registry: RegistryInput } | { ok: false; problems: Problem[] };

/** Work kept by content between runs (a record's parse by its blob id); see output/content-cache-fs.ts. */
export interface ContentCache {
  /** The value kept for `key` of `kind`, or what `compute` makes of it (kept unless undefined). */
  memo<T>(kind: string, key: string, compute: () => T | undefined): T | undefined;
  /** Whether a value is kept for `key` of `kind` (memo would not compute it). */
  has(kind: string, key: string): boolean;
}
