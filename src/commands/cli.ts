// The `sifhub` command once Node is known to be new enough (scripts/sifhub.ts): find the command,
// load only its module, map errors to exit codes.
import { styleText } from 'node:util';
import type { Command } from './command.ts';
import { COMMAND_SUMMARIES, type CommandName } from './summaries.ts';
import { COMMAND_MODULES } from './modules.ts';
import { EnvironmentError, EXIT, EXIT_MEANING, InputError, UsageError } from '../errors.ts';
import { packageVersion } from '../package-root-node.ts';

const HELP = `sifhub — a serverless registry for Singularity/Apptainer images

Usage: sifhub COMMAND [options]

Commands:
${Object.entries(COMMAND_SUMMARIES).map(([name, summary]) => `  ${name.padEnd(17)}${summary}`).join('\n')}

Run \`sifhub help COMMAND\` or \`sifhub COMMAND --help\` for a command's options.

Exit codes:
${Object.entries(EXIT).map(([kind, code]) => `  ${String(code).padEnd(4)}${EXIT_MEANING[kind as keyof typeof EXIT]}`).join('\n')}`;

let command: Command | undefined;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    console.log(packageVersion());
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      console.log(HELP);
      return EXIT.ok;
    }
    command = await load(rest[0]!);
    console.log(command.help());
    return EXIT.ok;
  }
  command = await load(name);
  return command.main(rest);
}

async function load(name: string): Promise<Command> {
  const load = Object.hasOwn(COMMAND_MODULES, name) ? COMMAND_MODULES[name as CommandName] : undefined;
  if (!load) throw new UsageError(`unknown command "${name}"; the commands are ${Object.keys(COMMAND_MODULES).join(', ')}`);
  return (await load()).default;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    if (error instanceof InputError) {
      console.error(styleText('red', error.message));
      // In GitHub Actions, also annotate the pull request's files and summarise the job.
      const { reportProblemsToActions } = await import('./output.ts');
      await reportProblemsToActions(error.problems, `sifhub ${command?.name ?? ''}`);
      process.exit(EXIT.invalidRecords);
    }
    if (error instanceof UsageError) {
      const usage = error.command !== undefined && command ? `\n${command.usage()}\nRun \`sifhub ${command.name} --help\` for its options.` : '\nRun `sifhub --help` for the commands.';
      console.error(`sifhub: ${error.message}${usage}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof EnvironmentError) {
      console.error(styleText('red', `✖ ${error.message}`));
      process.exit(EXIT.environment);
    }
    console.error(error);
    console.error(styleText('red', '\n✖ This is a bug in sifhub. Please report it with the output above to the maintainers of your sifhub copy.'));
    process.exit(EXIT.bug);
  },
);
