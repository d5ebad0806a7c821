#!/usr/bin/env node
// The `sifhub` command: find the command, load only its module, map errors to exit codes.
import { styleText } from 'node:util';
import type { Command } from '../src/commands/command.ts';
import { EnvironmentError, EXIT, InputError, UsageError } from '../src/errors.ts';
import { packageVersion } from '../src/package-root-node.ts';

/** Each command's module is imported only when it runs: `sifhub --help` loads none of them. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: Command }> }> = {
  init: { summary: 'create a new registry repository', load: () => import('../src/commands/init/index.ts') },
  build: { summary: 'build the static site from the registry', load: () => import('../src/commands/build.ts') },
  validate: { summary: 'check every record, and what a change may do', load: () => import('../src/commands/validate.ts') },
  verify: { summary: 'download new or changed images and check their size and hashes', load: () => import('../src/commands/verify/index.ts') },
  automerge: { summary: 'merge a pull request that changes only its author\'s collections', load: () => import('../src/commands/automerge.ts') },
  inspect: { summary: 'what a SIF file says about itself', load: () => import('../src/commands/inspect.ts') },
  submit: { summary: 'upload an image, commit its record and open a pull request', load: () => import('../src/commands/submit/index.ts') },
  share: { summary: 'an expiring link to an image in the registry\'s bucket', load: () => import('../src/commands/share/index.ts') },
  mirror: { summary: 'copy every image the registry ever published to a second bucket, each checked', load: () => import('../src/commands/mirror/index.ts') },
  serve: { summary: 'preview a built site', load: () => import('../src/commands/serve.ts') },
  deploy: { summary: 'upload the built site to an S3-compatible bucket, sending only what changed', load: () => import('../src/commands/deploy.ts') },
  'check-deployment': { summary: 'check that a deployed site answers as the clients need', load: () => import('../src/commands/check-deployment.ts') },
  schema: { summary: 'write the record JSON Schemas', load: () => import('../src/commands/schema.ts') },
};

const HELP = `sifhub — a serverless registry for Singularity/Apptainer images

Usage: sifhub COMMAND [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(17)}${c.summary}`).join('\n')}

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
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  return (await entry.load()).default;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    if (error instanceof InputError) {
      console.error(styleText('red', error.message));
      // In GitHub Actions, also annotate the pull request's files and summarise the job.
      const { reportProblemsToActions } = await import('../src/commands/output.ts');
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
