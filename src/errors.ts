import { truncate } from './schema/names.ts';

/** One thing wrong with the input, reported with everything else wrong before the build stops. */
export interface Problem {
  /** Path as the user sees it, e.g. registry/lab/tool/1.0.md */
  file: string;
  line?: number;
  /** Dotted field path inside the record; omitted for whole-file problems. */
  field?: string;
  message: string;
}

/** Thrown by a stage when the input is wrong; the CLI prints `problems` and exits 1. */
export class InputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.name = 'InputError';
    this.problems = problems;
  }
}

export function receivedText(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${truncate(value)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/**
 * The human format from STYLE.md: a count, then each file once with its problems beneath.
 */
export function formatProblems(problems: readonly Problem[]): string {
  const byFile = new Map<string, Problem[]>();
  for (const p of [...problems].sort(compareProblems)) {
    const list = byFile.get(p.file) ?? [];
    list.push(p);
    byFile.set(p.file, list);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [`✖ ${plural(problems.length, 'problem')} in ${plural(byFile.size, 'file')}`];
  for (const [file, list] of byFile) {
    lines.push(file);
    const width = Math.max(...list.map((p) => (p.field ?? '').length));
    for (const p of list) {
      const where = p.line ? `  (line ${p.line})` : '';
      lines.push(`  ${p.field ? `${p.field.padEnd(width)}   ` : ''}${p.message}${where}`);
    }
  }
  return lines.join('\n');
}

function compareProblems(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.field ?? '').localeCompare(b.field ?? '');
}

/** Something around the records is wrong (no git, a shallow clone, a missing folder); exit 3. */
export class EnvironmentError extends Error {}

/**
 * GitHub Actions workflow commands: one `::error` annotation per problem, shown on the pull
 * request's changed lines. Values are escaped as the Actions toolkit does.
 */
/** Workflow-command escaping (actions/toolkit's escapeData): %, CR and LF. */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

export function formatAnnotations(problems: readonly Problem[]): string {
  const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return [...problems]
    .sort(compareProblems)
    .map((p) => {
      const props = [`file=${property(p.file.replace(/ \(deleted\)$/, ''))}`, ...(p.line ? [`line=${p.line}`] : []), `title=${property(p.field ? `sifhub: ${p.field}` : 'sifhub')}`];
      return `::error ${props.join(',')}::${data(p.message)}`;
    })
    .join('\n');
}

/** A warning as a workflow command: shown on the run's summary page, not only in its log. */
export function formatWarningAnnotation(message: string): string {
  return `::warning title=sifhub::${data(message)}`;
}

/** A Markdown table of the problems for the job's step summary. */
export function formatStepSummary(problems: readonly Problem[], title: string): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');
  if (problems.length === 0) return `### ${title}\n\n✔ No problems.\n`;
  const rows = [...problems].sort(compareProblems).map((p) => `| \`${cell(p.file)}\` | ${p.line ?? ''} | ${p.field ? `\`${cell(p.field)}\`` : ''} | ${cell(p.message)} |`);
  return [`### ${title}`, '', `✖ ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`, '', '| File | Line | Field | Problem |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}
