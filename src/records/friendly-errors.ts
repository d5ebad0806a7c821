import { z } from 'zod';
import { closest } from '../closest.ts';
import { receivedText, type Problem } from '../errors.ts';
import type { ParsedText } from './parse-record.ts';

// zod's issues turned into what a contributor can act on: the field, what was expected, what was
// received as they wrote it (3.10, not 3.1), a "did you mean" for a misspelt field. Pure.

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
  // A refinement that counted what it received says so itself.
  if (issue.code === 'custom' && /, received /.test(issue.message)) return issue.message;
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
