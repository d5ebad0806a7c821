// The `sifhub` command once Node is known to be new enough (scripts/sifhub.ts): find the command,
// load only its module, map errors to exit codes.
import { styleText } from 'node:util';
import type { Command } from './command.ts';
import { COMMAND_SUMMARIES, type CommandName } from './summaries.ts';
import { EnvironmentError, EXIT, InputError, UsageError } from '../errors.ts';
import { packageVersion } from '../package-root-node.ts';

/** Each command's module is imported only when it runs: `sifhub --help` loads none of them. */
const COMMANDS: Record<CommandName, () => Promise<{ default: Command }>> = {
  init: () => import('./init/index.ts'),
  build: () => import('./build.ts'),
  validate: () => import('./validate.ts'),
  verify: () => import('./verify/index.ts'),
  automerge: () => import('./automerge.ts'),
  inspect: () => import('./inspect.ts'),
  submit: () => import('./submit/index.ts'),
  share: () => import('./share/index.ts'),
  mirror: () => import('./mirror/index.ts'),
  serve: () => import('./serve.ts'),
  'nginx-config': () => import('./nginx-config.ts'),
  token: () => import('./token/index.ts'),
  deploy: () => import('./deploy.ts'),
  'check-deployment': () => import('./check-deployment.ts'),
  schema: () => import('./schema.ts'),
};

const HELP = `sifhub — a serverless registry for Singularity/Apptainer images

Usage: sifhub COMMAND [options]

Commands:
${Object.entries(COMMAND_SUMMARIES).map(([name, summary]) => `  ${name.padEnd(17)}${summary}`).join('\n')}

Run \`sifhub help COMMAND\` or \`sifhub COMMAND --help\` for a command's options.

Exit codes: 0 success, 1 invalid records, 2 bad usage, 3 environment (git, files, a bad SIF, storage,
network: the message says what to retry), 70 a bug in sifhub.`;

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
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
  if (!load) throw new UsageError(`unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}`);
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
