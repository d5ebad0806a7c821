import { UsageError } from '../../errors.ts';
import { parseS3Url } from '../../storage/s3-url.ts';
import { defineCommand, REGISTRY_OPTION } from '../command.ts';
import { DOWNLOAD_OPTIONS, downloadLimits } from '../verify/download-options.ts';

export default defineCommand({
  name: 'mirror',
  description:
    'Copies every image the registry has published (every version of every tag, deleted tags\' too;\n' +
    'not withdrawn ones) to an S3-compatible bucket under its sha256, so the registry survives the loss\n' +
    'of its first storage. Each image is downloaded as verify downloads it (https, public hosts or those registry.yml\'s allowHosts lists, bounded)\n' +
    'and stored only when its sha256, md5 and size are the recorded ones. Images already there are\n' +
    'skipped, so it is safe to run again.',
  options: {
    to: { type: 'string', value: 's3://BUCKET[/PREFIX]', help: 'the mirror bucket (configured the AWS SDK\'s way, as for submit)' },
    'public-url': { type: 'string', value: 'URL', help: 'where the bucket is served: prints each copy\'s address, for mirrors:' },
    registry: REGISTRY_OPTION,
    ...DOWNLOAD_OPTIONS,
    record: { type: 'boolean', default: false, help: 'then propose each copy\'s address for its tags\' mirrors: on a branch, pushed, in a pull request (GITHUB_TOKEN)' },
    remote: { type: 'string', value: 'NAME', default: 'origin', help: 'with --record: the git remote to push the branch to' },
    'dry-run': { type: 'boolean', default: false, help: 'say what would be copied, and copy nothing' },
  },
  async run(values) {
    if (values.to === undefined) throw new UsageError('mirror needs --to s3://BUCKET[/PREFIX]', 'mirror');
    const location = parseS3Url(values.to);
    if (typeof location === 'string') throw new UsageError(`--to ${location}`, 'mirror');
    if (values['public-url'] !== undefined && !/^https:\/\/\S+$/.test(values['public-url'])) throw new UsageError(`--public-url expects an https URL, received "${values['public-url']}"`, 'mirror');
    if (values.record && (values['public-url'] === undefined || values['dry-run'])) throw new UsageError('--record needs --public-url (the address the records name), and no --dry-run', 'mirror');
    const { jobs, ...verify } = downloadLimits(values, 'mirror', (process.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''));
    const [{ loadSite }, { imagesToMirror, mirrorImages }, { makeS3Client, checkBucket }, { done }, { EnvironmentError }, { toAllowedHosts }] = await Promise.all([
      import('../../pipeline/load-site.ts'),
      import('./mirror-images.ts'),
      import('../../storage/s3.ts'),
      import('../output.ts'),
      import('../../errors.ts'),
      import('../../storage/allowed-hosts.ts'),
    ]);
    const site = await loadSite({ registryDir: values.registry });
    const images = imagesToMirror(site);
    const client = makeS3Client();
    await checkBucket(client, location);
    const results = await mirrorImages(images, {
      client,
      location,
      verify: { ...verify, allowedHosts: toAllowedHosts(site.config.allowHosts) },
      jobs,
      publicUrl: values['public-url'],
      dryRun: values['dry-run'],
      onResult: (r) => {
        const line = `${r.status.padEnd(10)} ${r.sha256.slice(0, 12)}  ${r.tags.join(', ')}${r.mirrorUrl ? `  ${r.mirrorUrl}` : ''}${r.problem ? `\n           ${r.problem}` : ''}`;
        if (r.status === 'failed') console.error(`✖ ${line}`);
        else console.log(`  ${line}`);
      },
    });
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const failed = count('failed');
    const summary = `${values.to}: ${count('copied')} copied, ${count('present')} already there${values['dry-run'] ? `, ${count('would copy')} to copy (dry run)` : ''}, of ${results.length} images`;
    if (failed === 0) console.log(done(summary));
    // The copies that were made are proposed even when others failed (an old image's host may be gone for good).
    if (values.record) {
      const [{ recordMirrors }, { githubAccessFromEnv }] = await Promise.all([import('./record-mirrors.ts'), import('../../github/octokit.ts')]);
      await recordMirrors({ registryDir: values.registry, site, results, remote: values.remote, github: githubAccessFromEnv(), log: (line) => console.log(line) });
    }
    if (failed > 0) throw new EnvironmentError(`${summary}; ${failed} could not be copied (above): nothing was stored for them. Run the same command again once their hosts serve the recorded bytes.`);
  },
});
