import { rethrowAsEnvironment, UsageError } from '../../errors.ts';
import { defineCommand, REGISTRY_OPTION } from '../command.ts';
import { printWarning } from '../output.ts';
import type { UploadTarget } from './submit.ts';
import { parseImageReference, type ImageReference } from './to-submission.ts';

export default defineCommand({
  name: 'submit',
  summary: 'upload an image, commit its record and open a pull request',
  usage: 'FILE.sif COLLECTION/CONTAINER:TAG (--upload s3[://BUCKET/PREFIX] [--public-url URL] | --upload github-release | --url URL) [--registry DIR] [--remote NAME] [--frozen] [--owner LOGIN] [--no-push] [--no-pr]',
  description:
    'Hashes, inspects and uploads the image, commits its record on a new branch (your checkout is not\n' +
    'touched), pushes it and opens a pull request (GITHUB_TOKEN). S3 is configured the AWS SDK\'s way:\n' +
    'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL.',
  arguments: [
    { name: 'FILE.sif', help: 'the image' },
    { name: 'COLLECTION/CONTAINER:TAG', help: 'the tag it becomes' },
  ],
  options: {
    upload: { type: 'string', value: 'TARGET', help: 's3://BUCKET/PREFIX, s3 (registry.yml storage) or github-release' },
    'public-url': { type: 'string', value: 'URL', help: 'the https address that serves the bucket\'s root (with --upload s3)' },
    url: { type: 'string', value: 'URL', help: 'the image is already at this https URL: check its size, upload nothing' },
    registry: { ...REGISTRY_OPTION, help: 'the registry folder of your clone' },
    remote: { type: 'string', value: 'NAME', default: 'origin', help: 'the git remote to push the branch to' },
    frozen: { type: 'boolean', help: 'the tag may never move to another image' },
    owner: { type: 'string', value: 'LOGIN', help: 'the owner of a new collection (default: the token\'s user)' },
    push: { type: 'boolean', default: true, negatable: true, help: 'push the branch' },
    pr: { type: 'boolean', default: true, negatable: true, help: 'open the pull request' },
  },
  async run(values, [file, name]) {
    const reference = imageReference(name!);
    const chosen = [values.upload !== undefined, values.url !== undefined].filter(Boolean).length;
    if (chosen !== 1) throw new UsageError('submit needs exactly one of --upload s3://BUCKET/PREFIX, --upload github-release or --url https://…', 'submit');
    let target: UploadTarget;
    if (values.url !== undefined) target = { kind: 'url', url: values.url };
    else if (values.upload === 'github-release') target = { kind: 'github-release' };
    else if (values.upload === 's3' || values.upload!.startsWith('s3://')) target = { kind: 's3', s3: values.upload === 's3' ? undefined : values.upload, publicUrl: values['public-url'] };
    else throw new UsageError(`--upload expects s3://BUCKET/PREFIX, s3 (registry.yml storage) or github-release, received "${values.upload}"`, 'submit');
    if (values['public-url'] !== undefined && target.kind !== 's3') throw new UsageError('--public-url goes with --upload s3', 'submit');
    const [{ submit }, { githubAccessFromEnv }, { progressBar }, { done }] = await Promise.all([
      import('./submit.ts'),
      import('../../github/octokit.ts'),
      import('./progress-tty.ts'),
      import('../output.ts'),
    ]);
    const result = await submit({
      file: file!, reference, registryDir: values.registry, target, remote: values.remote, push: values.push, pullRequest: values.pr, frozen: values.frozen, owner: values.owner,
      github: githubAccessFromEnv(), env: process.env,
      log: (line) => console.log(line.startsWith('✔ ') ? done(line.slice(2)) : line),
      warn: printWarning,
      progress: (label, total) => progressBar(label, total),
    }).catch(rethrowAsEnvironment(file!));
    if (result.pullRequestUrl) console.log(result.pullRequestUrl);
  },
});

export function imageReference(text: string, command = 'submit'): ImageReference {
  const reference = parseImageReference(text);
  if (Array.isArray(reference)) throw new UsageError(reference.join('\n'), command);
  return reference;
}
