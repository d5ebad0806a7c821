// Each command's one line, for `sifhub --help` and the command's own help: written once, here,
// so the list of commands shows without loading any of them. In the order --help lists them.

export const COMMAND_SUMMARIES = {
  init: 'create a new registry repository',
  build: 'build the static site from the registry',
  validate: 'check every record, and what a change may do',
  verify: 'download new or changed images and check their size and hashes',
  automerge: 'merge a pull request that changes only its author\'s collections',
  'check-merge-requests': 'judge open GitLab merge requests from the default branch, and set their status',
  inspect: 'what a SIF file says about itself, and its hashes',
  submit: 'upload an image, commit its record and open a pull request',
  share: 'an expiring link to an image in the registry\'s bucket',
  mirror: 'copy every image the registry ever published to a second bucket, each checked',
  serve: 'preview a built site',
  'nginx-config': 'write the nginx configuration that serves the site from your own server',
  token: 'add, list and revoke the tokens of a private registry',
  deploy: 'upload the built site to an S3-compatible bucket, sending only what changed',
  'check-deployment': 'check that a deployed site answers as the clients need',
  schema: 'write the record JSON Schemas',
} as const;

export type CommandName = keyof typeof COMMAND_SUMMARIES;
