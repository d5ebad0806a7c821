import type { Command } from './command.ts';
import type { CommandName } from './summaries.ts';

/** Each command's module, imported only when it runs: `sifhub --help` loads none of them. */
export const COMMAND_MODULES: Record<CommandName, () => Promise<{ default: Command }>> = {
  init: () => import('./init/index.ts'),
  build: () => import('./build.ts'),
  validate: () => import('./validate.ts'),
  verify: () => import('./verify/index.ts'),
  automerge: () => import('./automerge.ts'),
  'check-merge-requests': () => import('./check-merge-requests.ts'),
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
