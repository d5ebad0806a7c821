import { styleText } from 'node:util';
import { InputError, UsageError, visible, type Problem } from '../../errors.ts';
import { checkHeadHasBase, defineCommand, HEAD_OPTION, REGISTRY_OPTION } from '../command.ts';
import { DOWNLOAD_OPTIONS, downloadLimits } from './download-options.ts';
import { done, writeStepSummary } from '../output.ts';

export default defineCommand({
  name: 'verify',
  usage: '(--base REF [--head REF] | --all) [--registry DIR] [--allow-host HOST] [--max-size BYTES] [--timeout SECONDS] [--idle-timeout SECONDS] [--jobs N] [--json]',
  description:
    'Downloads the images of new and changed tags (since --base REF) or of every tag (--all), from\n' +
    'their url and every mirror, and checks each: https, a public address, no redirect (except a\n' +
    'GitHub release\'s to its asset host), the exact size, sha256, md5 and the SIF magic. With --base,\n' +
    'a tag whose image is unchanged has each url or mirror the base did not list checked.',
  options: {
    registry: REGISTRY_OPTION,
    base: { type: 'string', value: 'REF', help: 'verify the tags that are new or changed since REF' },
    head: HEAD_OPTION,
    all: { type: 'boolean', help: 'verify every tag' },
    ...DOWNLOAD_OPTIONS,
    json: { type: 'boolean', help: 'print the result as JSON: { ok, images: [{ file, field, url, ok, failure }] }' },
  },
  async run(values) {
    if ((values.base === undefined) === !values.all) throw new UsageError('verify needs either --base REF (new and changed tags) or --all', 'verify');
    checkHeadHasBase(values, 'verify');
    const [{ verifyRegistry }, { githubAccessFromEnv }, { plural }] = await Promise.all([
      import('./verify-registry.ts'),
      import('../../github/octokit.ts'),
      import('../../site/format.ts'),
    ]);
    const options = downloadLimits(values, 'verify', githubAccessFromEnv().serverUrl);
    const reports = await verifyRegistry(values.registry, values.all ? { all: true } : { base: values.base!, head: values.head }, options, (r) => {
      if (values.json) return;
      const where = r.field === 'url' ? '' : ` ${r.field} ${visible(r.url)}`;
      console.log(r.failure ? `${styleText('red', '✖')} ${visible(r.tag.file)}${where}  ${visible(r.failure)}` : done(`${visible(r.tag.file)}${where}  ${r.size.toLocaleString('en')} bytes, sha256 and md5 match`));
    });
    const failed: Problem[] = reports.filter((r) => r.failure).map((r) => ({ file: r.tag.file, field: r.field, message: `${r.url} ${r.failure}` }));
    if (values.json) {
      const images = reports.map((r) => ({ file: r.tag.file, field: r.field, url: r.url, ok: r.failure === undefined, ...(r.failure ? { failure: r.failure } : {}) }));
      console.log(JSON.stringify({ ok: failed.length === 0, images }, null, 2));
      return failed.length === 0 ? 0 : 1;
    }
    if (failed.length > 0) throw new InputError(failed);
    await writeStepSummary(`### sifhub verify\n\n✔ ${plural(reports.length, 'image')} checked.\n`);
    console.log(reports.length === 0 ? 'No new or changed images to verify.' : done(`${plural(reports.length, 'image')} verified`));
    return 0;
  },
});
