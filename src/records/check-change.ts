import type { Problem } from '../errors.ts';
import { recordOrUndefined } from './check-record.ts';
import { CONFIG_FILE, isTagRecordPath, keyIdOf, KEYS_FOLDER } from './layout.ts';
import type { RegistryFile } from './types.ts';

// The rules for what a change (a pull request) may do, comparing the registry at its base with
// the working tree. Who may change what is read from the BASE only: a pull request cannot make
// its author an owner of a collection it is changing. Pure.

export interface ChangeInput {
  base: readonly RegistryFile[];
  head: readonly RegistryFile[];
  /** The pull request's author; ownership is not checked without one. */
  author?: string;
  /** How to name the base in messages ("origin/main"). */
  baseName: string;
  /** Files the change touches outside the records (repository paths): maintainers' alone. */
  outside?: readonly string[];
}

export function checkChange({ base, head, author, baseName, outside = [] }: ChangeInput): Problem[] {
  const { baseFiles, headFiles, changed, baseCollections } = compare(base, head);
  const problems: Problem[] = [];
  const display = (p: string) => headFiles.get(p)?.display ?? `${baseFiles.get(p)!.display} (deleted)`;

  // Frozen tags hold for everyone, maintainers included: a pinned analysis depends on them.
  // Only changed records can break the rule, so only those are parsed.
  for (const p of changed) {
    const file = baseFiles.get(p);
    if (!file || !isTagRecordPath(p)) continue;
    const before = readTag(file);
    if (!before?.frozen) continue;
    const now = headFiles.get(p);
    const after = now && readTag(now);
    const rule = `frozen tags never change image and are never deleted (frozen in ${baseName})`;
    if (!now) problems.push({ file: display(p), message: `deletes a frozen tag; ${rule}` });
    else if (!after) continue; // unreadable now: the schema check reports it
    else if (after.sha256 !== before.sha256) problems.push({ file: display(p), field: 'sha256', message: `moves a frozen tag from ${before.sha256.slice(0, 12)}… to ${after.sha256.slice(0, 12)}…; ${rule}` });
    else if (platformKey(after) !== platformKey(before)) problems.push({ file: display(p), field: 'platforms', message: `changes the architectures' images of a frozen tag (${platformKey(before) || 'none'} → ${platformKey(after) || 'none'}); ${rule}` });
    else if (after.frozen !== true) problems.push({ file: display(p), field: 'frozen', message: `unfreezes a frozen tag; ${rule}` });
  }

  if (author === undefined) return problems;
  const maintainers = readMaintainers(baseFiles.get(CONFIG_FILE));
  if (maintainers.some((m) => sameLogin(m, author))) return problems;
  const maintainerText = maintainers.length > 0 ? `maintainers: ${maintainers.join(', ')}` : 'no maintainers are listed in registry.yml';

  // Code, workflows, package files, .schema/: whoever changes them changes what judges every
  // later pull request, and what the site runs.
  for (const p of outside) {
    problems.push({ file: p, message: `${author} may not change ${p}: it is not a record, and only a maintainer may change files outside the records (code, workflows, package files, registry/.schema/); a maintainer must make this change (${maintainerText})` });
  }

  const reported = new Set<string>();
  for (const p of changed) {
    const key = keyIdOf(p);
    if (p.startsWith(`${KEYS_FOLDER}/`)) {
      // A signer key is trust: an owner may add one their collection lists, never change or remove one.
      if (baseFiles.has(p)) problems.push({ file: display(p), message: `${author} may not change or remove the signer key ${p}: only maintainers may (${maintainerText})` });
      else if (!key || !ownsCollectionTrusting(key, author, baseFiles, headFiles)) problems.push({ file: display(p), message: `${author} may add a signer key only for a collection they own whose README lists it in signers:; no such collection of theirs lists ${key ?? p} (${maintainerText})` });
      continue;
    }
    const slash = p.indexOf('/');
    if (slash === -1) {
      problems.push({ file: display(p), message: `${author} may not change ${p}: only maintainers may change the registry's own files (${maintainerText})` });
      continue;
    }
    const collection = p.slice(0, slash);
    if (reported.has(collection)) continue;
    if (baseCollections.has(collection)) {
      const owners = readOwners(baseFiles.get(`${collection}/README.md`));
      if (owners.some((o) => sameLogin(o, author))) continue;
      reported.add(collection);
      const ownerText = owners.length > 0 ? `its owners are ${owners.join(', ')}` : 'it lists no owners';
      problems.push({ file: display(p), message: `${author} may not change collection "${collection}": ${ownerText} in ${baseName} (${maintainerText}). A pull request may only touch collections its author owns.` });
    } else {
      const owners = readOwners(headFiles.get(`${collection}/README.md`));
      if (owners.some((o) => sameLogin(o, author))) continue;
      reported.add(collection);
      problems.push({
        file: headFiles.has(`${collection}/README.md`) ? display(`${collection}/README.md`) : display(p),
        field: 'owners',
        message: `new collection "${collection}" must list its author ${author} in owners (registry/${collection}/README.md), received ${owners.length > 0 ? owners.join(', ') : 'none'}`,
      });
    }
  }
  return problems;
}

/**
 * Why a change must wait for a maintainer, or undefined when it changes only records of
 * collections that exist in the base and list its author as owner there: such a change may be
 * merged without review (`automerge: owners`). New collections, registry.yml, files outside the
 * records and other people's collections all wait.
 */
export function whyNotOwnersOnly({ base, head, author, outside = [] }: Omit<ChangeInput, 'baseName'> & { author: string }): string | undefined {
  if (outside.length > 0) return `it changes ${outside[0]}, which is not a record`;
  const { baseFiles, changed, baseCollections } = compare(base, head);
  if (changed.length === 0) return 'it changes no record';
  const ownFile = changed.find((p) => !p.includes('/'));
  if (ownFile) return `it changes ${ownFile}, the registry's own file`;
  const keyFile = changed.find((p) => p.startsWith(`${KEYS_FOLDER}/`));
  if (keyFile) return `it adds or changes the signer key ${keyFile}, which a maintainer reviews`;
  for (const collection of new Set(changed.map(collectionOf))) {
    if (!baseCollections.has(collection)) return `it adds the collection "${collection}"`;
    if (!readOwners(baseFiles.get(`${collection}/README.md`)).some((o) => sameLogin(o, author))) return `${author} does not own the collection "${collection}"`;
  }
  return undefined;
}

/** The files of base and head by path, the paths whose content differs (sorted), the base's collections. */
function compare(base: readonly RegistryFile[], head: readonly RegistryFile[]) {
  const baseFiles = new Map(base.map((f) => [f.path, f]));
  const headFiles = new Map(head.map((f) => [f.path, f]));
  const changed = [...new Set([...baseFiles.keys(), ...headFiles.keys()])].filter((p) => differ(baseFiles.get(p), headFiles.get(p))).sort();
  const baseCollections = new Set(base.filter((f) => f.path.includes('/') && !f.path.startsWith(`${KEYS_FOLDER}/`)).map((f) => collectionOf(f.path)));
  return { baseFiles, headFiles, changed, baseCollections };
}

/** Content or, where both sides were read from git, mode: `chmod +x` on a record is a change to it. */
function differ(a: RegistryFile | undefined, b: RegistryFile | undefined): boolean {
  if (a?.blob !== b?.blob) return true;
  return a?.mode !== undefined && b?.mode !== undefined && a.mode !== b.mode;
}

const collectionOf = (path: string) => path.slice(0, path.indexOf('/'));

// GitHub logins are case-insensitive.
function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function readTag(file: RegistryFile) {
  return recordOrUndefined(file, 'tag');
}

function readOwners(file: RegistryFile | undefined): string[] {
  return recordOrUndefined(file, 'collection')?.owners ?? [];
}

function readMaintainers(file: RegistryFile | undefined): string[] {
  return recordOrUndefined(file, 'config')?.maintainers ?? [];
}

/** Whether `author` owns (in the base) a collection whose README (in the head) lists the key `id` among its signers. */
function ownsCollectionTrusting(id: string, author: string, baseFiles: ReadonlyMap<string, RegistryFile>, headFiles: ReadonlyMap<string, RegistryFile>): boolean {
  for (const [path, file] of headFiles) {
    const parts = path.split('/');
    if (parts.length !== 2 || parts[1] !== 'README.md' || parts[0] === KEYS_FOLDER) continue;
    if (!recordOrUndefined(file, 'collection')?.signers?.includes(id)) continue;
    if (readOwners(baseFiles.get(path)).some((o) => sameLogin(o, author))) return true;
  }
  return false;
}

/** A tag's other architectures' images, as one comparable text: "arm64 8032cf0d6a2f…, ppc64le …". */
function platformKey(record: { platforms?: readonly { architecture: string; sha256: string }[] }): string {
  return (record.platforms ?? []).map((p) => `${p.architecture} ${p.sha256.slice(0, 12)}…`).sort().join(', ');
}
