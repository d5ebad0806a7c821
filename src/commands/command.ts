import { parseArgs } from 'node:util';
import { closest } from '../closest.ts';
import { UsageError } from '../errors.ts';
import { COMMAND_SUMMARIES, type CommandName } from './summaries.ts';

// What every command module is: its name, its arguments and options with their help, and run().
// Parsing is node:util's parseArgs per command, strict, so an option another command takes is
// refused here ("sifhub schema --frozen" is a usage error, not silently ignored).

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One line for `sifhub COMMAND --help`. */
  help: string;
  /** The value's placeholder in usage lines: DIR, REF, N. */
  value?: string;
  default?: string | boolean;
  /** `--no-NAME` turns a default-on boolean off. */
  negatable?: boolean;
}

/** The option nearly every command takes. */
export const REGISTRY_OPTION = { type: 'string', value: 'DIR', default: 'registry', help: 'the registry folder' } as const satisfies OptionSpec;

/** A pull request's head, judged from git objects: validate and verify take it beside --base. */
export const HEAD_OPTION = { type: 'string', value: 'REF', help: 'read the records from this commit instead of the working tree (with --base)' } as const satisfies OptionSpec;

/** --head compares with --base; alone it means nothing. */
export function checkHeadHasBase(values: { head?: string; base?: string }, command: string): void {
  if (values.head !== undefined && values.base === undefined) throw new UsageError('--head needs --base: the commit the change starts from', command);
}

interface ArgumentSpec {
  name: string;
  help: string;
  /** May be left out (only the last ones). */
  optional?: boolean;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : O[K] extends { default: string } ? string : string | undefined;
};

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** Its one-line summary lives in summaries.ts, with every other command's. */
  name: CommandName;
  /** What the command does, for `sifhub COMMAND --help`. */
  description: string;
  arguments?: readonly ArgumentSpec[];
  options: O;
  /** Alternatives a usage line shows instead of listing the options one by one. */
  usage?: string;
  /** The exit code; undefined is success. */
  run(values: Values<O>, positionals: string[]): Promise<number | void>;
}

export interface Command {
  name: string;
  summary: string;
  usage(): string;
  help(): string;
  /** Parses `args` (everything after the command's name) and runs the command. */
  main(args: readonly string[]): Promise<number>;
}

export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): Command {
  const usage = () => `Usage: sifhub ${spec.name}${spec.usage ? ` ${spec.usage}` : usageLine(spec)}`;
  const help = () => {
    const rows: [string, string][] = [
      ...(spec.arguments ?? []).map((a): [string, string] => [a.name, a.help]),
      ...Object.entries(spec.options).map(([name, o]): [string, string] => [
        `--${name}${o.value ? ` ${o.value}` : ''}`,
        `${o.help}${typeof o.default === 'string' ? ` (default ${o.default})` : ''}${o.negatable ? ` (--no-${name} to turn off)` : ''}`,
      ]),
      ['-h, --help', 'show this help'],
    ];
    const width = Math.max(...rows.map(([left]) => left.length));
    return [usage(), '', spec.description, '', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)].join('\n');
  };
  return {
    name: spec.name,
    summary: COMMAND_SUMMARIES[spec.name],
    usage,
    help,
    async main(args) {
      // A switch not given is false, never undefined.
      const config = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type, ...(o.default !== undefined ? { default: o.default } : o.type === 'boolean' ? { default: false } : {}) }]));
      let parsed;
      try {
        parsed = parseArgs({ args: [...args], options: { ...config, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, allowNegative: true, strict: true, tokens: true });
      } catch (error) {
        throw new UsageError(parseErrorText(error as Error & { code?: string }, spec), spec.name);
      }
      // allowNegative accepts --no-NAME for every switch; only the negatable ones mean it.
      const negated = parsed.tokens.find((t) => t.kind === 'option' && t.rawName.startsWith('--no-') && !spec.options[t.name]?.negatable);
      if (negated?.kind === 'option') throw new UsageError(`unknown option ${negated.rawName} for sifhub ${spec.name}`, spec.name);
      if (parsed.values.help) {
        console.log(help());
        return 0;
      }
      const expected = spec.arguments ?? [];
      const least = expected.filter((a) => !a.optional).length;
      if (parsed.positionals.length < least || parsed.positionals.length > expected.length) {
        const received = parsed.positionals.length === 0 ? 'nothing' : `"${parsed.positionals.join(' ')}"`;
        throw new UsageError(
          expected.length === 0
            ? `${spec.name} takes no arguments, received ${received}`
            : `${spec.name} expects ${expected.map((a) => a.name).join(' and ')}, received ${received}`,
          spec.name,
        );
      }
      return (await spec.run(parsed.values as Values<O>, parsed.positionals)) ?? 0;
    },
  };
}

function usageLine(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const parts = [...(spec.arguments ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name))];
  for (const [name, o] of Object.entries(spec.options)) parts.push(`[--${name}${o.value ? ` ${o.value}` : ''}]`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** parseArgs' messages run to three lines; one line, with a likely typo named, is enough. */
function parseErrorText(error: Error & { code?: string }, spec: CommandSpec<Record<string, OptionSpec>>): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  const known = Object.keys(spec.options);
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const guess = closest(option.replace(/^-+/, '').replace(/=.*$/, ''), known);
    return `unknown option ${option} for sifhub ${spec.name}${guess ? `; did you mean --${guess}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const name = option.replace(/^-+/, '').split(/[ ,]/)[0]!;
    return spec.options[name]?.type === 'boolean' ? `--${name} takes no value` : `--${name} needs a value (${spec.options[name]?.value ?? 'a value'})`;
  }
  return error.message.split('\n')[0]!;
}

/** A whole number above zero from an option, or a usage error naming the option. */
export function positiveWholeNumber(text: string, what: string, command?: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what} expects a positive whole number, received "${text}"`, command);
  return n;
}
