import { describe, expect, it } from 'vitest';
import { defineCommand } from '../../src/commands/command.ts';
import { UsageError } from '../../src/errors.ts';

// Every command parses its own options strictly: what another command takes is a usage error
// naming the command, with a likely typo pointed out.

const ran: unknown[] = [];
const command = defineCommand({
  name: 'schema',
  description: 'Does nothing.',
  arguments: [{ name: 'FILE', help: 'a file' }],
  options: {
    registry: { type: 'string', value: 'DIR', default: 'registry', help: 'the registry folder' },
    fresh: { type: 'boolean', help: 'start afresh' },
    push: { type: 'boolean', default: true, negatable: true, help: 'push' },
  },
  async run(values, positionals) {
    ran.push({ values, positionals });
  },
});

const usageError = (args: string[]) => command.main(args).then(() => 'no error', (error: unknown) => (error instanceof UsageError ? `${error.command}: ${error.message}` : `not a usage error: ${String(error)}`));

describe('defineCommand', () => {
  it('runs with defaults filled in and negatable booleans turned off', async () => {
    ran.length = 0;
    expect(await command.main(['a.sif', '--no-push'])).toBe(0);
    expect(ran).toEqual([{ values: { registry: 'registry', fresh: false, push: false }, positionals: ['a.sif'] }]);
  });

  it('refuses options it does not take, naming a likely typo', async () => {
    expect(await usageError(['a.sif', '--frsh'])).toBe('schema: unknown option --frsh for sifhub schema; did you mean --fresh?');
    expect(await usageError(['a.sif', '--jobs', '9'])).toBe('schema: unknown option --jobs for sifhub schema');
    expect(await usageError(['a.sif', '--no-fresh'])).toBe('schema: unknown option --no-fresh for sifhub schema');
    expect(await usageError(['a.sif', '--no-help'])).toBe('schema: unknown option --no-help for sifhub schema');
    // After --, it is an argument, not an option.
    expect(await command.main(['--', '--no-fresh'])).toBe(0);
  });

  it('refuses a missing value, a value for a switch and the wrong number of arguments', async () => {
    expect(await usageError(['a.sif', '--registry'])).toBe('schema: --registry needs a value (DIR)');
    expect(await usageError(['a.sif', '--fresh=yes'])).toBe('schema: --fresh takes no value');
    expect(await usageError([])).toBe('schema: schema expects FILE, received nothing');
    expect(await usageError(['a', 'b'])).toBe('schema: schema expects FILE, received "a b"');
  });

  it('describes itself: a usage line and every option with its default', () => {
    expect(command.usage()).toBe('Usage: sifhub schema FILE [--registry DIR] [--fresh] [--push]');
    expect(command.help()).toContain('  --registry DIR  the registry folder (default registry)');
    expect(command.help()).toContain('  --push          push (--no-push to turn off)');
  });
});
