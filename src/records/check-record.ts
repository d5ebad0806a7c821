import { z } from 'zod';
import type { Problem } from '../errors.ts';
import { MAX_BODY_BYTES, MAX_QUOTE_DEPTH } from '../schema/bounds.ts';
import { collectionRecord, containerRecord, tagRecord, type TagRecord } from '../schema/record.ts';
import { siteConfig } from '../schema/site-config.ts';
import { toProblems } from './friendly-errors.ts';
import { parseMarkdownRecord, parseYaml } from './parse-record.ts';

// The one way a text becomes a checked record: parse (YAML, or Markdown with YAML frontmatter,
// keeping positions), then check against the kind's schema, with every problem told the
// friendly way. Build, validate, verify, submit and share all come through here. Pure.

/** The four fields that make an image: what an old version in history must have to be pullable. */
const image = z.object({
  url: tagRecord.shape.url,
  sha256: tagRecord.shape.sha256,
  md5: tagRecord.shape.md5,
  size: tagRecord.shape.size,
  // Whether the image was taken back, as that version of the record said; never a reason to lose the version.
  yanked: tagRecord.shape.yanked.catch(undefined),
  withdrawn: tagRecord.shape.withdrawn.catch(undefined),
  architecture: tagRecord.shape.architecture.catch(undefined),
  // Its other architectures' images, when that version named them as today's rules read them.
  platforms: z.array(z.object({ architecture: tagRecord.shape.architecture.unwrap(), url: tagRecord.shape.url, sha256: tagRecord.shape.sha256, md5: tagRecord.shape.md5, size: tagRecord.shape.size })).optional().catch(undefined),
});

const KINDS = {
  config: { schema: siteConfig, yaml: true, frontmatter: false },
  collection: { schema: collectionRecord, yaml: false, frontmatter: false },
  container: { schema: containerRecord, yaml: false, frontmatter: false },
  tag: { schema: tagRecord, yaml: false, frontmatter: true },
  /** A tag record read for its image alone (history): today's other rules may postdate it. */
  image: { schema: image, yaml: false, frontmatter: true },
} as const;

export type RecordKind = keyof typeof KINDS;
export type RecordOf<K extends RecordKind> = z.infer<(typeof KINDS)[K]['schema']>;
export type CheckedRecord<K extends RecordKind> = { ok: true; data: RecordOf<K>; body: string } | { ok: false; problems: Problem[] };

export function checkRecord<K extends RecordKind>(file: { display: string; text: string }, kind: K): CheckedRecord<K> {
  const { schema, yaml, frontmatter } = KINDS[kind];
  const parsed = yaml ? parseYaml(file.text) : parseMarkdownRecord(file.text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((p) => ({ file: file.display, ...p })) };
  if (frontmatter && 'hasFrontmatter' in parsed.value && !parsed.value.hasFrontmatter) {
    return { ok: false, problems: [{ file: file.display, line: 1, message: 'no frontmatter: a tag record starts with a --- line, then url, sha256, md5 and size, then ---' }] };
  }
  // A history record is read for its four image fields alone; whatever else it held stays its own.
  const kept = kind === 'image' ? [] : unkeptKeys(parsed.value.data);
  if (kept.length > 0) {
    return { ok: false, problems: kept.map((path) => ({ file: file.display, field: path.join('.'), line: parsed.value.locate(path).line, message: UNKEPT_KEY })) };
  }
  const result = (schema as z.ZodType).safeParse(parsed.value.data);
  const body = 'body' in parsed.value ? (parsed.value.body as string) : '';
  const costly = kind === 'image' ? [] : bodyProblems(file, body, kind === 'tag' ? 'release notes' : 'description');
  if (!result.success) return { ok: false, problems: [...toProblems(file.display, result.error.issues, parsed.value, schema), ...costly] };
  const both = kind === 'tag' && (result.data as TagRecord).yanked !== undefined && (result.data as TagRecord).withdrawn !== undefined;
  if (both) costly.push({ file: file.display, field: 'yanked', line: parsed.value.locate(['yanked']).line, message: 'an image is either yanked (still pullable by its pin) or withdrawn (not served at all), not both: keep withdrawn' });
  if (kind === 'tag') costly.push(...platformProblems(result.data as TagRecord).map(({ path, message }) => ({ file: file.display, field: path.join('.'), line: parsed.value.locate(path).line, message })));
  if (costly.length > 0) return { ok: false, problems: costly };
  return { ok: true, data: result.data as RecordOf<K>, body };
}

/** A tag's images for several architectures: the tag's own names its architecture, and no two share one, or share their bytes. */
function platformProblems(record: TagRecord): { path: (string | number)[]; message: string }[] {
  if (!record.platforms) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (record.architecture === undefined) problems.push({ path: ['platforms'], message: 'a tag with platforms names the architecture of its own image (the one at url): add `architecture:` as `sifhub inspect` prints it' });
  const arches = new Map<string, string>(record.architecture ? [[record.architecture, 'architecture']] : []);
  const images = new Map<string, string>([[record.sha256, 'sha256']]);
  record.platforms.forEach((p, i) => {
    const twin = arches.get(p.architecture);
    if (twin) problems.push({ path: ['platforms', i, 'architecture'], message: `expected one image per architecture, received ${p.architecture} again (${twin} names it)` });
    else arches.set(p.architecture, `platforms.${i}.architecture`);
    const same = images.get(p.sha256);
    if (same) problems.push({ path: ['platforms', i, 'sha256'], message: `expected another architecture's image, received the same image as ${same}` });
    else images.set(p.sha256, `platforms.${i}.sha256`);
  });
  return problems;
}

const UNKEPT_KEY = '"__proto__" cannot be a name: JavaScript takes it as an object\'s prototype, so this label or app would vanish from the site; rename it';

/** Paths of every key "__proto__" in the data: a zod schema (any object) drops them silently. */
function unkeptKeys(data: unknown, path: readonly PropertyKey[] = []): PropertyKey[][] {
  if (!data || typeof data !== 'object') return [];
  return Object.keys(data).flatMap((key) => {
    const here = [...path, Array.isArray(data) ? Number(key) : key];
    return key === '__proto__' ? [here] : unkeptKeys((data as Record<string, unknown>)[key], here);
  });
}

/** Quote markers, list markers and indentation at a line's start: the blocks it opens. */
const LINE_CONTAINERS = /^(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])))*/;

/** A body's cost to render, bounded (schema/bounds.ts): its size, and block quotes nested in quotes. */
function bodyProblems(file: { display: string; text: string }, body: string, what: string): Problem[] {
  const problems: Problem[] = [];
  // A UTF-16 unit is at most 3 UTF-8 bytes: a short body needs no encoding to be within the limit.
  const bytes = body.length * 3 <= MAX_BODY_BYTES ? 0 : new TextEncoder().encode(body).length;
  if (bytes > MAX_BODY_BYTES) problems.push({ file: file.display, message: `the Markdown after the frontmatter (${what}) is ${bytes.toLocaleString('en')} bytes; at most ${MAX_BODY_BYTES.toLocaleString('en')}: link to longer documents` });
  // Too few quote markers to nest that deep: most bodies, spared the line-by-line look.
  if (countOf(body, '>') <= MAX_QUOTE_DEPTH) return problems;
  const lines = body.split('\n');
  const firstLine = file.text.replace(/\r\n/g, '\n').split('\n').length - lines.length + 1;
  const deepest = lines.reduce((best, line, i) => {
    const depth = [...(LINE_CONTAINERS.exec(line)?.[0] ?? '')].filter((c) => c === '>').length;
    return depth > best.depth ? { depth, line: firstLine + i } : best;
  }, { depth: 0, line: 0 });
  if (deepest.depth > MAX_QUOTE_DEPTH) problems.push({ file: file.display, line: deepest.line, message: `the Markdown after the frontmatter (${what}) nests block quotes ${deepest.depth} deep; at most ${MAX_QUOTE_DEPTH}` });
  return problems;
}

/** The record when it checks out, else undefined (its problems are someone else's to report). */
export function recordOrUndefined<K extends RecordKind>(file: { display: string; text: string } | undefined, kind: K): RecordOf<K> | undefined {
  if (!file) return undefined;
  const checked = checkRecord(file, kind);
  return checked.ok ? checked.data : undefined;
}

function countOf(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) count++;
  return count;
}
