import matter from 'gray-matter';
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';

// Stage 2: text → data. Records come from strangers' pull requests, so the parser is the first
// line of defence: gray-matter evaluates `---js` frontmatter with eval() unless its js and
// javascript engines are replaced, and YAML 1.1 silently turns 3.10 into 3.1 and `no` into false.
// We let gray-matter only find the block, and parse YAML 1.2 (core schema) ourselves, keeping the
// source text so errors can quote exactly what the author wrote.

export interface ParsedText {
  data: Record<string, unknown>;
  /** Markdown after the frontmatter. */
  body: string;
  hasFrontmatter: boolean;
  /** Line (in the file) and source text of the value at `path`, when it exists. */
  locate(path: readonly PropertyKey[]): { line?: number; source?: string };
}

export interface ParseFailure {
  line?: number;
  message: string;
}

export type ParseResult = { ok: true; value: ParsedText } | { ok: false; problems: ParseFailure[] };

class RefusedLanguage extends Error {}

const refuse = (language: string) => ({
  parse: () => {
    throw new RefusedLanguage(language);
  },
});

const MATTER_OPTIONS = {
  // The YAML engine only marks the block as seen; the real parse is parseYaml below.
  engines: {
    yaml: { parse: () => ({}) },
    js: refuse('js'),
    javascript: refuse('javascript'),
    json: refuse('json'),
    coffee: refuse('coffee'),
    toml: refuse('toml'),
  },
};

export function parseMarkdownRecord(text: string): ParseResult {
  // CRLF (a record saved on Windows) as LF: gray-matter cuts the block at "\n" and would leave a
  // "\r" after the last value, which YAML refuses after a quoted scalar. Lines stay the same lines.
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!source.startsWith('---')) {
    return { ok: true, value: { data: {}, body: source, hasFrontmatter: false, locate: () => ({}) } };
  }
  if (!/\r?\n---[ \t]*(\r?\n|$)/.test(source.slice(3))) {
    return { ok: false, problems: [{ line: 1, message: 'frontmatter opened with --- is never closed: add a --- line after it' }] };
  }
  let file: { matter: string; content: string; language: string };
  try {
    file = matter(source, MATTER_OPTIONS) as unknown as typeof file;
  } catch (error) {
    const language = error instanceof RefusedLanguage ? error.message : String((error as Error).message).match(/engine "([^"]+)"/)?.[1];
    return {
      ok: false,
      problems: [{ line: 1, message: `frontmatter must be YAML; "---${language ?? '?'}" is refused (code in records is never run)` }],
    };
  }
  if (file.language !== 'yaml') {
    return { ok: false, problems: [{ line: 1, message: `frontmatter must be YAML, received "---${file.language}"` }] };
  }
  // file.matter starts right after the opening ---, so its line 1 is the file's line 1.
  const parsed = parseYaml(file.matter);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { ...parsed.value, body: file.content, hasFrontmatter: true } };
}

/** A whole YAML file (registry.yml). */
export function parseYaml(text: string): { ok: true; value: Omit<ParsedText, 'body' | 'hasFrontmatter'> } | { ok: false; problems: ParseFailure[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', version: '1.2', uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    return { ok: false, problems: [{ line: 1, message: 'expected a mapping of field: value pairs' }] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return { ok: false, problems: [{ message: `YAML: ${(error as Error).message}` }] };
  }
  return {
    ok: true,
    value: { data: (data ?? {}) as Record<string, unknown>, locate: (path) => locate(doc, text, lineCounter, path) },
  };
}

function locate(doc: Document, text: string, lineCounter: LineCounter, path: readonly PropertyKey[]) {
  const node = doc.getIn(path as unknown[], true);
  if (!isNode(node) || !node.range) return {};
  const [start, valueEnd] = node.range;
  return { line: lineCounter.linePos(start).line, source: text.slice(start, valueEnd) };
}
