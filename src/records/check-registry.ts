import { z } from 'zod';
import { closest } from '../closest.ts';
import { receivedText, type Problem } from '../errors.ts';
import { nameProblem } from '../schema/names.ts';
import { collectionRecord, containerRecord, tagRecord, type CollectionRecord, type ContainerRecord, type TagRecord } from '../schema/record.ts';
import { siteConfig, type SiteConfig } from '../schema/site-config.ts';
import type { ContentCache } from '../pipeline/content-cache-fs.ts';
import type { RegistryFile } from './read-registry-fs.ts';
import { parseMarkdownRecord, parseYaml, type ParsedText, type ParseFailure } from './parse-record.ts';

// Stages 2 and 3: parse every file, check it against its schema and the cross-record rules, and
// return ALL problems at once. Pure: works on the texts stage 1 read.

export interface CollectionInput {
  name: string;
  file?: string;
  record: CollectionRecord;
  description: string;
}

export interface ContainerInput {
  collection: string;
  name: string;
  file?: string;
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

export interface RegistryInput {
  /** The registry folder as the user sees it ("registry"), for naming deleted records. */
  display: string;
  config: SiteConfig;
  collections: CollectionInput[];
  containers: ContainerInput[];
  tags: TagInput[];
}

export type Validated = { ok: true; registry: RegistryInput } | { ok: false; problems: Problem[] };

export const CONFIG_FILE = 'registry.yml';

/** `cache` keeps each record's parse by its blob id, so a rebuild parses only what changed. */
export function validateRegistry(files: readonly RegistryFile[], loadProblems: readonly Problem[] = [], registryDisplay = 'registry', cache?: ContentCache): Validated {
  const problems: Problem[] = [...loadProblems];
  const collections = new Map<string, CollectionInput>();
  const containers = new Map<string, ContainerInput>();
  const tags: TagInput[] = [];
  let config: SiteConfig | undefined;

  if (!files.some((f) => f.path === CONFIG_FILE)) {
    problems.push({ file: `${registryDisplay}/${CONFIG_FILE}`, message: `missing: every registry needs ${CONFIG_FILE} with at least name and url` });
  }

  for (const file of files) {
    const parts = file.path.split('/');
    // A misnamed record is still checked, so one run reports everything; it just never
    // joins the model, where its name would become an output path.
    const nameProblems = checkNames(file, parts);
    problems.push(...nameProblems);
    const named = nameProblems.length === 0;
    if (parts.length === 1) {
      if (file.path === CONFIG_FILE) config = check(file, parseYaml(file.text), siteConfig, problems)?.data;
      else if (file.path !== 'README.md') problems.push({ file: file.display, message: `unexpected file: the top of the registry holds ${CONFIG_FILE}, README.md and one folder per collection` });
    } else if (parts.length === 2) {
      const [collection, base] = parts as [string, string];
      if (base !== 'README.md') {
        problems.push({ file: file.display, message: 'unexpected file: a collection folder holds README.md and one folder per container; tag records go in <collection>/<container>/<tag>.md' });
        continue;
      }
      const parsed = checkOnce(cache, 'collection', file, () => check(file, parseMarkdownRecord(file.text), collectionRecord, problems));
      if (parsed && named) collections.set(collection, { name: collection, file: file.display, record: parsed.data, description: parsed.body });
    } else {
      const [collection, container, base] = parts as [string, string, string];
      if (!base.endsWith('.md')) continue; // reported by checkNames; not a record to parse
      if (base === 'README.md') {
        const parsed = checkOnce(cache, 'container', file, () => check(file, parseMarkdownRecord(file.text), containerRecord, problems));
        if (parsed && named) containers.set(`${collection}/${container}`, { collection, name: container, file: file.display, record: parsed.data, description: parsed.body });
        continue;
      }
      const parsed = checkOnce(cache, 'tag', file, () => {
        const result = parseMarkdownRecord(file.text);
        if (result.ok && !result.value.hasFrontmatter) {
          problems.push({ file: file.display, line: 1, message: 'no frontmatter: a tag record starts with a --- line, then url, sha256, md5 and size, then ---' });
          return undefined;
        }
        return check(file, result, tagRecord, problems);
      });
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
  if (config && config.repository === undefined) {
    for (const c of collections.values()) {
      if (c.file && c.record.starsIssue !== undefined) {
        problems.push({ file: c.file, field: 'starsIssue', message: `names issue #${c.record.starsIssue}, but registry.yml has no \`repository\` for it to live in; add repository: https://github.com/OWNER/REPO` });
      }
    }
  }
  if (problems.length > 0 || !config) return { ok: false, problems };
  return { ok: true, registry: { display: registryDisplay, config, collections: [...collections.values()], containers: [...containers.values()], tags } };
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

/** The same image (sha256) must have the same md5 and size wherever it is recorded. */
function validateImageConsistency(tags: readonly TagInput[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, TagInput>();
  for (const tag of tags) {
    const first = seen.get(tag.record.sha256);
    if (!first) {
      seen.set(tag.record.sha256, tag);
      continue;
    }
    for (const field of ['md5', 'size'] as const) {
      if (first.record[field] !== tag.record[field]) {
        problems.push({
          file: tag.file,
          field,
          message: `${first.file} records the same sha256 with ${field} ${first.record[field]}, this record says ${tag.record[field]}: one of them is wrong`,
        });
      }
    }
  }
  return problems;
}

/** A record's parse, kept by its content: only a record that checked out is kept. */
function checkOnce<T>(cache: ContentCache | undefined, kind: string, file: RegistryFile, run: () => T | undefined): T | undefined {
  return cache ? cache.memo(`record-${kind}`, file.blob, run) : run();
}

function check<S extends z.ZodType>(
  file: RegistryFile,
  result: { ok: true; value: Omit<ParsedText, 'body' | 'hasFrontmatter'> & { body?: string } } | { ok: false; problems: ParseFailure[] },
  schema: S,
  problems: Problem[],
): { data: z.infer<S>; body: string } | undefined {
  if (!result.ok) {
    problems.push(...result.problems.map((p) => ({ file: file.display, ...p })));
    return undefined;
  }
  const parsed = schema.safeParse(result.value.data);
  if (parsed.success) return { data: parsed.data, body: result.value.body ?? '' };
  problems.push(...toProblems(file.display, parsed.error.issues, result.value, schema));
  return undefined;
}

/** The "friendly errors" function: zod issues → what failed, what was expected, what was received. */
export function toProblems(file: string, issues: readonly z.core.$ZodIssue[], parsed: Pick<ParsedText, 'data' | 'locate'>, schema: z.ZodType): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const guess = closest(key, known);
        problems.push({
          file,
          field: path.join('.'),
          line: parsed.locate(path).line,
          message: `unknown field${guess ? `; did you mean "${guess}"?` : `; known fields: ${known.join(', ')}`}`,
        });
      }
      continue;
    }
    const { line, source } = parsed.locate(issue.path);
    const value = valueAt(parsed.data, issue.path);
    const received = source !== undefined && (typeof value === 'number' || typeof value === 'boolean') ? source : receivedText(value);
    const field = schemaAt(schema, issue.path);
    problems.push({ file, field: issue.path.join('.') || undefined, line, message: describeIssue(issue, value, received, field) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, received: string, field: z.core.$ZodType | undefined): string {
  if (issue.code === 'invalid_type') {
    if (value === undefined) return 'required field is missing';
    if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
      // YAML read 3.10 as the number 3.1: quoting is the only way to keep what the author meant,
      // so say so — unless the quoted text would still be wrong (md5: 3).
      const quoted = field ? z.safeParse(field, received) : undefined;
      if (!quoted || quoted.success) return `${received} is a ${typeof value}; quote it: "${received}"`;
      const expectation = quoted.error.issues[0]?.message ?? 'expected a string';
      return `${expectation.startsWith('expected') ? expectation : `expected ${expectation}`}, received the ${typeof value} ${received}`;
    }
    if ((issue.expected === 'number' || issue.expected === 'int') && typeof value === 'string') {
      return `expected a number written without quotes, received the string ${received}`;
    }
    // A fraction where a whole number belongs: the field's own message says which number.
    if (issue.expected === 'int' && typeof value === 'number' && issue.message.startsWith('expected')) return `${issue.message}, received ${received}`;
    const names: Record<string, string> = { object: 'a mapping of field: value', array: 'a list', record: 'a mapping' };
    const expected = names[issue.expected] ?? `a ${issue.expected}`;
    return `expected ${expected}, received ${received === 'a mapping' || received === 'a list' ? received : `${typeof value} ${received}`}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${received}`;
  }
  const message = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
  return `${message}, received ${received}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

type AnyDef = { type: string; innerType?: z.core.$ZodType; valueType?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };

/** The sub-schema that checks the value at `path`, optional wrappers removed. */
function schemaAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  const unwrap = (s: z.core.$ZodType | undefined) => {
    while (s && ['optional', 'nullable'].includes((s._zod.def as AnyDef).type)) s = (s._zod.def as AnyDef).innerType;
    return s;
  };
  let current = unwrap(schema);
  for (const key of path) {
    if (!current) return undefined;
    const def = current._zod.def as AnyDef;
    current = unwrap(def.type === 'object' ? def.shape?.[key as string] : def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : undefined);
  }
  return current;
}

/** Field names the schema allows at `path`, for "did you mean" suggestions. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const shape = (schemaAt(schema, path)?._zod.def as AnyDef | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}
