import { truncate } from './schema/names.ts';

// Every error sifhub reports on purpose, and the exit code each maps to (scripts/sifhub.ts):
// InputError 1 (the records), UsageError 2 (the command line), EnvironmentError and its kinds 3
// (git, files, storage, network). Anything else is a bug (70).

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
  if (typeof value === 'string') return `"${truncate(visible(value))}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/**
 * The human format from STYLE.md: a count, then each file once with its problems beneath.
 */
/**
 * A string from a record (a file name, a YAML key, a value) as one printable line: control
 * characters become escapes (\n, \x1b). A newline in a hostile name would otherwise start a line
 * of its own, which GitHub Actions reads as a workflow command (::warning, ::stop-commands::) and
 * a terminal as an escape sequence.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

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
    lines.push(visible(file));
    const width = Math.max(...list.map((p) => visible(p.field ?? '').length));
    for (const p of list) {
      const where = p.line ? `  (line ${p.line})` : '';
      lines.push(`  ${p.field ? `${visible(p.field).padEnd(width)}   ` : ''}${visible(p.message)}${where}`);
    }
  }
  return lines.join('\n');
}

export function compareProblems(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.field ?? '').localeCompare(b.field ?? '');
}

/** Something around the records is wrong (no git, a shallow clone, a missing folder); exit 3. */
export class EnvironmentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The file is not what it claims to be (a SIF, a squashfs); `message` says what is wrong, for a person. */
export class FormatError extends EnvironmentError {}

/** Object storage failed or refused; the message says what to retry. */
export class StorageError extends EnvironmentError {}

/** A git command failed or git is missing; the message says what to do. */
export class GitError extends EnvironmentError {}

/** A submission cannot go ahead; the message says why and what to do. */
export class SubmitError extends EnvironmentError {}

/** The command line is wrong (exit 2): an unknown option, a missing argument. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose usage to print beneath the message, if known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** The documented exit codes (README): what a script calling sifhub can rely on. */
export const EXIT = { ok: 0, invalidRecords: 1, usage: 2, environment: 3, bug: 70 } as const;

/** What each exit code tells a script, for `sifhub --help` and the reference. */
export const EXIT_MEANING: Record<keyof typeof EXIT, string> = {
  ok: 'success',
  invalidRecords: 'invalid records: every problem is listed with its file, line and field',
  usage: 'bad usage: an unknown command or option, a missing argument, an invalid image name (a valid one is suggested)',
  environment: 'environment: git, files, a Node too old, a file that is not a valid SIF, storage, network, a deployed site that answers wrongly; the message says what to retry',
  bug: 'a bug in sifhub: please report it with the stack trace',
};

/** A file that cannot be read is the environment's problem (exit 3), never a stack trace. */
export function rethrowAsEnvironment(file: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (!(error instanceof EnvironmentError) && typeof error.code === 'string' && error.syscall) throw new EnvironmentError(`cannot read ${file}: ${error.message}`, { cause: error });
    throw error;
  };
}
