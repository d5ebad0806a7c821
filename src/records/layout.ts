// Where records live inside the registry folder (DESIGN §1). Pure.
//   registry.yml                         the registry's own settings
//   <collection>/README.md               a collection
//   <collection>/<container>/README.md   a container
//   <collection>/<container>/<tag>.md    a tag: one image record

export const CONFIG_FILE = 'registry.yml';

/** A record larger than this is refused unread: no tag's metadata needs it. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Top-level entries starting with a dot (.schema/, .gitkeep) are tooling's, not records. */
export function isRecordPath(path: string): boolean {
  return path !== '' && !path.startsWith('.');
}

/** The folder of the registry's signer keys: keys/FINGERPRINT.asc (PGP) and keys/NAME.pem (DSSE). Not a collection. */
export const KEYS_FOLDER = 'keys';

/** "keys/<FINGERPRINT>.asc" or "keys/<name>.pem": the key's id, or undefined for any other path. */
export function keyIdOf(path: string): string | undefined {
  return /^keys\/([0-9A-F]{40})\.asc$/.exec(path)?.[1] ?? /^keys\/([a-z0-9][a-z0-9-]{0,63})\.pem$/.exec(path)?.[1];
}

/** The folder of JSON Schemas sifhub generates for editors (`sifhub schema`). */
export const SCHEMA_FOLDER = '.schema';

/** "<collection>/<container>/<tag>.md": a tag record, whose old versions are the images it served. */
export function isTagRecordPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 3 && parts[2]!.endsWith('.md') && parts[2] !== 'README.md';
}

/** "<collection>/<container>/README.md": a container, whose old versions date what it yanked and withdrew. */
export function isContainerRecordPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 3 && parts[2] === 'README.md';
}

/** The files whose old versions the build reads from history. */
export function hasVersionsThatMatter(path: string): boolean {
  return isTagRecordPath(path) || isContainerRecordPath(path);
}

export function tagRecordPath(reference: { collection: string; container: string; tag: string }): string {
  return `${reference.collection}/${reference.container}/${reference.tag}.md`;
}

// What reading the registry's files refuses, from disk or from a commit alike.
export const NO_SYMLINKS = 'symbolic links are not allowed in the registry; commit a regular file';
export const UNEXPECTED_FOLDER = 'unexpected folder: tag records are files registry/<collection>/<container>/<tag>.md';
export const tooLarge = (size: number) => `record is ${size} bytes; at most ${MAX_RECORD_BYTES} are allowed`;
