import { EXIT, EXIT_MEANING } from '../errors.ts';
import { recordJsonSchemas } from '../schema/json-schema.ts';
import { COMMAND_MODULES } from './modules.ts';
import { COMMAND_SUMMARIES, type CommandName } from './summaries.ts';

// docs/reference.md, written from the code it describes: every command's help, the exit codes,
// and every field of registry.yml and the records from their JSON Schemas (`npm run docs`; a test
// fails when the file and this disagree).

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  anyOf?: JsonSchema[];
  description?: string;
}

const RECORDS: [file: string, title: string][] = [
  ['registry.schema.json', '`registry.yml`'],
  ['collection.schema.json', 'A collection\'s README'],
  ['container.schema.json', 'A container\'s README'],
  ['tag.schema.json', 'A tag record'],
];

export async function referenceMarkdown(): Promise<string> {
  const lines = [
    '# Reference',
    '',
    '<!-- Written by `npm run docs` from the commands and the record schemas: edit those, not this file. -->',
    '',
    'Every command, the exit codes, and every setting and record field, as the code defines them.',
    '',
    '## Commands',
    '',
  ];
  for (const name of Object.keys(COMMAND_SUMMARIES) as CommandName[]) {
    const command = (await COMMAND_MODULES[name]()).default;
    lines.push(`### sifhub ${name}`, '', `${COMMAND_SUMMARIES[name][0]!.toUpperCase()}${COMMAND_SUMMARIES[name].slice(1)}.`, '', '```text', command.help(), '```', '');
  }
  lines.push(
    '### Every command',
    '',
    '`sifhub help COMMAND` (or `sifhub COMMAND --help`) prints the help above. Each command takes only its own options: an',
    'unknown one is a usage error that names the command and a likely typo. `--json` prints one JSON object on stdout and',
    'keeps the exit code. In GitHub Actions, problems with records are also printed as `::error file=…,line=…::`',
    'annotations and summarised in the job\'s step summary. Commands that read GitHub (`build`\'s download and star counts,',
    '`submit`, `mirror --record`, `automerge`) use `GITHUB_TOKEN` against `GITHUB_API_URL` (default',
    '`https://api.github.com`; GitHub Enterprise sets its own), and `GITHUB_SERVER_URL` for release addresses.',
    '',
  );
  lines.push('## Exit codes', '', '| code | meaning |', '| ---: | --- |');
  for (const [kind, code] of Object.entries(EXIT)) lines.push(`| ${code} | ${cell(EXIT_MEANING[kind as keyof typeof EXIT])} |`);
  lines.push('');
  const schemas = recordJsonSchemas() as Record<string, JsonSchema>;
  for (const [file, title] of RECORDS) {
    const schema = schemas[file]!;
    lines.push(`## ${title}`, '', schema.description ?? '', '', '| field | type | meaning |', '| --- | --- | --- |');
    for (const [field, property, required] of fields(schema)) lines.push(`| \`${field}\`${required ? ' (required)' : ''} | ${cell(typeOf(property))} | ${cell(property.description ?? '')} |`);
    lines.push('', `JSON Schema: [\`registry/.schema/${file}\`](../registry/.schema/${file}).`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Each field, then the fields of a mapping inside it (`storage.s3`), depth first. */
function fields(schema: JsonSchema, prefix = ''): [string, JsonSchema, boolean][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]): [string, JsonSchema, boolean][] => {
    const field = `${prefix}${name}`;
    const inner = property.properties ? fields(property, `${field}.`) : [];
    const values = typeof property.additionalProperties === 'object' && property.additionalProperties.properties ? fields(property.additionalProperties, `${field}.NAME.`) : [];
    const items = property.items?.properties ? fields(property.items, `${field}[].`) : [];
    return [[field, property, schema.required?.includes(name) ?? false], ...inner, ...values, ...items];
  });
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return `one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (schema.type === 'object') return typeof schema.additionalProperties === 'object' ? `mapping of names to ${typeOf(schema.additionalProperties)}` : 'mapping';
  return schema.type ?? 'any';
}

/** Text in a Markdown table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}
