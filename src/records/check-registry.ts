import type { Problem } from '../errors.ts';
import { nameProblem } from '../schema/names.ts';
import { forgeOf, type SiteConfig } from '../schema/site-config.ts';
import { checkRecord, type CheckedRecord, type RecordKind, type RecordOf } from './check-record.ts';
import { CONFIG_FILE, keyIdOf, KEYS_FOLDER } from './layout.ts';
import type { Checked, CollectionInput, ContainerInput, ContentCache, KeyFileInput, RegistryFile, TagInput } from './types.ts';

// Every record of a registry: each checked on its own (check-record.ts), then against the others
// (names, one image's md5 and size everywhere, stars issues), with ALL problems returned at once.
// Pure: works on texts already read.

/**
 * `cache` keeps each record's parse by its blob id, so a rebuild parses only what changed.
 * `checked`: tag records already checked by path (on another core: check-records-aside-node.ts).
 */
export function checkRegistry(files: readonly RegistryFile[], loadProblems: readonly Problem[] = [], registryDisplay = 'registry', cache?: ContentCache, checked?: ReadonlyMap<string, CheckedRecord<'tag'>>): Checked {
  const problems: Problem[] = [...loadProblems];
  const collections = new Map<string, CollectionInput>();
  const containers = new Map<string, ContainerInput>();
  const tags: TagInput[] = [];
  const keyFiles: KeyFileInput[] = [];
  let config: SiteConfig | undefined;

  if (!files.some((f) => f.path === CONFIG_FILE)) {
    problems.push({ file: `${registryDisplay}/${CONFIG_FILE}`, message: `missing: every registry needs ${CONFIG_FILE} with at least name and url` });
  }

  for (const file of files) {
    const parts = file.path.split('/');
    if (parts[0] === KEYS_FOLDER && parts.length > 1) {
      const id = keyIdOf(file.path);
      if (id) keyFiles.push({ id, file: file.display, path: file.path, text: file.text });
      else problems.push({ file: file.display, message: `unexpected file: ${KEYS_FOLDER}/ holds signer keys, each named by what identifies it: FINGERPRINT.asc (a PGP public key, its 40-digit fingerprint in upper case) or NAME.pem (a PEM public key, NAME in a-z 0-9 -)` });
      continue;
    }
    // A misnamed record is still checked, so one run reports everything; it just never
    // joins the model, where its name would become an output path.
    const nameProblems = checkNames(file, parts);
    problems.push(...nameProblems);
    const named = nameProblems.length === 0;
    if (parts.length === 1) {
      if (file.path === CONFIG_FILE) config = check(file, 'config', problems)?.data;
      else if (file.path !== 'README.md') problems.push({ file: file.display, message: `unexpected file: the top of the registry holds ${CONFIG_FILE}, README.md and one folder per collection` });
    } else if (parts.length === 2) {
      const [collection, base] = parts as [string, string];
      if (base !== 'README.md') {
        problems.push({ file: file.display, message: 'unexpected file: a collection folder holds README.md and one folder per container; tag records go in <collection>/<container>/<tag>.md' });
        continue;
      }
      const parsed = checkOnce(cache, 'collection', file, problems);
      if (parsed && named) collections.set(collection, { name: collection, file: file.display, record: parsed.data, description: parsed.body });
    } else {
      const [collection, container, base] = parts as [string, string, string];
      if (!base.endsWith('.md')) continue; // reported by checkNames; not a record to parse
      if (base === 'README.md') {
        const parsed = checkOnce(cache, 'container', file, problems);
        if (parsed && named) containers.set(`${collection}/${container}`, { collection, name: container, file: file.display, blob: file.blob, record: parsed.data, description: parsed.body });
        continue;
      }
      const parsed = checkOnce(cache, 'tag', file, problems, checked?.get(file.path));
      if (parsed && named) {
        tags.push({ collection, container, name: base.slice(0, -'.md'.length), file: file.display, path: file.path, blob: file.blob, record: parsed.data, notes: parsed.body });
      }
    }
  }

  // Collections and containers without a README exist implicitly through their tags.
  for (const tag of tags) {
    if (!collections.has(tag.collection)) collections.set(tag.collection, { name: tag.collection, record: {}, description: '' });
    const key = `${tag.collection}/${tag.container}`;
    if (!containers.has(key)) containers.set(key, { collection: tag.collection, name: tag.container, record: {}, description: '' });
  }

  problems.push(...validateImageConsistency(tags));
  if (config && forgeOf(config) === 'github') problems.push(...githubLoginProblems(config, collections.values(), files));
  if (config && config.repository === undefined) {
    for (const c of collections.values()) {
      if (c.file && c.record.starsIssue !== undefined) {
        problems.push({ file: c.file, field: 'starsIssue', message: `names issue #${c.record.starsIssue}, but registry.yml has no \`repository\` for it to live in; add repository: https://github.com/OWNER/REPO` });
      }
    }
  }
  if (problems.length > 0 || !config) return { ok: false, problems };
  return { ok: true, registry: { display: registryDisplay, config, collections: [...collections.values()], containers: [...containers.values()], tags, keyFiles } };
}

/** A GitHub login: letters, digits and single hyphens inside, at most 39 (GitHub's rule). */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/**
 * On GitHub, owners and maintainers are GitHub logins: a name only GitLab allows (a dot, an
 * underscore) would never match a pull request's author, so it is a typo worth saying.
 */
function githubLoginProblems(config: SiteConfig, collections: Iterable<CollectionInput>, files: readonly RegistryFile[]): Problem[] {
  const problems: Problem[] = [];
  const check = (file: string | undefined, field: string, logins: readonly string[] | undefined) =>
    logins?.forEach((login, i) => {
      if (!GITHUB_LOGIN.test(login)) problems.push({ file: file ?? CONFIG_FILE, field: `${field}.${i}`, message: `expected a GitHub login (letters, digits and single hyphens), received "${login}"; a GitLab registry says forge: gitlab in registry.yml` });
    });
  check(files.find((f) => f.path === CONFIG_FILE)?.display, 'maintainers', config.maintainers);
  for (const collection of collections) check(collection.file, 'owners', collection.record.owners);
  return problems;
}

function checkNames(file: RegistryFile, parts: string[]): Problem[] {
  if (parts.length === 1) return [];
  const problems: Problem[] = [];
  const add = (message: string | undefined) => message && problems.push({ file: file.display, message });
  add(nameProblem('collection', parts[0]!));
  if (parts.length === 3) {
    add(nameProblem('container', parts[1]!));
    const base = parts[2]!;
    if (base !== 'README.md') {
      if (!base.endsWith('.md')) add(`unexpected file: tag records are Markdown files named <tag>.md`);
      else add(nameProblem('tag', base.slice(0, -'.md'.length)));
    }
  }
  return problems;
}

/** The same image (sha256) must have the same md5 and size wherever it is recorded: as a tag's image or as one of its platforms'. */
function validateImageConsistency(tags: readonly TagInput[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, { file: string; field: string; md5: string; size: number }>();
  for (const tag of tags) {
    const images = [{ field: '', image: tag.record }, ...(tag.record.platforms ?? []).map((image, i) => ({ field: `platforms.${i}.`, image }))];
    for (const { field: at, image } of images) {
      const first = seen.get(image.sha256);
      if (!first) {
        seen.set(image.sha256, { file: tag.file, field: at, md5: image.md5, size: image.size });
        continue;
      }
      for (const field of ['md5', 'size'] as const) {
        if (first[field] !== image[field]) {
          problems.push({
            file: tag.file,
            field: `${at}${field}`,
            message: `${first.file} records the same sha256 with ${field} ${first[field]}, this record says ${image[field]}: one of them is wrong`,
          });
        }
      }
    }
  }
  return problems;
}

const KEPT_KINDS = ['collection', 'container', 'tag'] as const satisfies readonly RecordKind[];

/** Whether `cache` holds a parse of this content as any kind of record checkOnce keeps. */
export function isParseKept(cache: ContentCache, blob: string): boolean {
  return KEPT_KINDS.some((kind) => cache.has(`record-${kind}`, blob));
}

/** A record's parse, kept by its content: only a record that checked out is kept. */
function checkOnce<K extends RecordKind>(cache: ContentCache | undefined, kind: K, file: RegistryFile, problems: Problem[], done?: CheckedRecord<K>): { data: RecordOf<K>; body: string } | undefined {
  const run = () => check(file, kind, problems, done);
  return cache ? cache.memo(`record-${kind}`, file.blob, run) : run();
}

function check<K extends RecordKind>(file: RegistryFile, kind: K, problems: Problem[], done?: CheckedRecord<K>): { data: RecordOf<K>; body: string } | undefined {
  const checked = done ?? checkRecord(file, kind);
  if (checked.ok) return { data: checked.data, body: checked.body };
  problems.push(...checked.problems);
  return undefined;
}
