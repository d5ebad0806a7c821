import { rethrowAsEnvironment, UsageError } from '../../errors.ts';
import { defineCommand, REGISTRY_OPTION } from '../command.ts';
import { printWarning } from '../output.ts';
import type { UploadTarget } from './submit.ts';
import { imageReference, type ContainerAbout } from './to-submission.ts';

export default defineCommand({
  name: 'submit',
  usage: 'FILE.sif COLLECTION/CONTAINER:TAG (--upload s3[://BUCKET/PREFIX] [--public-url URL] | --upload github-release | --url URL) [--registry DIR] [--remote NAME] [--frozen] [--owner LOGIN] [--summary TEXT] [--description MARKDOWN] [--topics A,B] [--license SPDX] [--no-push] [--no-pr]',
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
    summary: { type: 'string', value: 'TEXT', help: 'a new container\'s one-sentence summary (default: the image\'s description label)' },
    description: { type: 'string', value: 'MARKDOWN', help: 'a new container\'s description, its README\'s body' },
    topics: { type: 'string', value: 'A,B', help: 'a new container\'s topics, comma-separated lowercase words' },
    license: { type: 'string', value: 'SPDX', help: 'the license of the software in a new container (default: the image\'s licenses label)' },
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
    const about = await containerAbout(values);
    const [{ submit }, { githubAccessFromEnv }, { progressBar }, { done }] = await Promise.all([
      import('./submit.ts'),
      import('../../github/octokit.ts'),
      import('../progress-tty.ts'),
      import('../output.ts'),
    ]);
    const result = await submit({
      file: file!, reference, registryDir: values.registry, target, remote: values.remote, push: values.push, pullRequest: values.pr, frozen: values.frozen, owner: values.owner, about,
      github: githubAccessFromEnv(), env: process.env,
      log: (line) => console.log(line.startsWith('✔ ') ? done(line.slice(2)) : line),
      warn: printWarning,
      progress: (label, total) => progressBar(label, total),
    }).catch(rethrowAsEnvironment(file!));
    if (result.pullRequestUrl) console.log(result.pullRequestUrl);
  },
});

/** The new container's words, checked as the README they become before anything else happens. */
async function containerAbout(values: { summary?: string; description?: string; topics?: string; license?: string }): Promise<ContainerAbout | undefined> {
  const about: ContainerAbout = {
    ...(values.summary !== undefined ? { summary: values.summary } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values.topics !== undefined ? { topics: values.topics.split(',').map((t) => t.trim()).filter((t) => t !== '') } : {}),
    ...(values.license !== undefined ? { license: values.license } : {}),
  };
  if (Object.keys(about).length === 0) return undefined;
  const [{ checkRecord }, { toContainerReadmeText }] = await Promise.all([import('../../records/check-record.ts'), import('./to-submission.ts')]);
  const checked = checkRecord({ display: 'README.md', text: toContainerReadmeText({}, about) }, 'container');
  const flag = (field: string | undefined) => (field ? `--${field.split('.')[0]}` : '--description');
  if (!checked.ok) throw new UsageError(checked.problems.map((p) => `${flag(p.field)}: ${p.message}`).join('\n'), 'submit');
  return about;
}
