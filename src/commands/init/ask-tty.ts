import { createInterface } from 'node:readline/promises';
import { UsageError } from '../../errors.ts';
import type { Defaults } from './defaults-git.ts';

// Asking for a registry's settings on a terminal: each question shows its default, Enter takes it.

const QUESTIONS: [keyof Defaults | 'contact', string][] = [
  ['name', 'Registry name'],
  ['url', 'Site URL (https)'],
  ['repository', 'Repository web address (https)'],
  ['maintainers', 'Maintainers\' GitHub logins, comma-separated'],
  ['contact', 'Contact email (optional)'],
];

/** Asks for each setting not given on the command line (`given`), offering `proposed` as default. */
export async function ask(proposed: Defaults & { contact?: string }, given: Defaults): Promise<Defaults & { contact?: string }> {
  const answers = { ...proposed };
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (const [key, question] of QUESTIONS) {
      if (key !== 'contact' && given[key] !== undefined) continue;
      if (key === 'contact' && proposed.contact !== undefined) continue;
      const fallback = answers[key];
      const reply = (
        await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `).catch((error: { code?: string }) => {
          // Ctrl+D or Ctrl+C: the user stops; nothing has been written.
          if (error.code === 'ABORT_ERR') throw new UsageError('init stopped before every question was answered: nothing written', 'init');
          throw error;
        })
      ).trim();
      if (reply) answers[key] = reply;
    }
  } finally {
    rl.close();
  }
  return answers;
}
