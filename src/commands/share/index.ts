import { UsageError } from '../../errors.ts';
import { defineCommand, REGISTRY_OPTION } from '../command.ts';
import { parseDuration } from '../duration.ts';
import { imageReference } from '../submit/to-submission.ts';
import { MAX_PRESIGN_SECONDS } from '../../storage/s3-url.ts';

export default defineCommand({
  name: 'share',
  description:
    'Signs a link to a tag\'s image in the registry\'s own S3 bucket (registry.yml storage), for images\n' +
    'that are not public. The link stops working at expiry, or when any character of it is changed.',
  arguments: [{ name: 'COLLECTION/CONTAINER:TAG', help: 'the tag whose image to share' }],
  options: {
    expires: { type: 'string', value: 'DURATION', default: '7d', help: 'how long the link works: 900s, 30m, 12h, 7d (at most)' },
    registry: REGISTRY_OPTION,
  },
  async run(values, [name]) {
    const reference = imageReference(name!, 'share');
    const expiresIn = parseExpiry(values.expires);
    if (typeof expiresIn === 'string') throw new UsageError(expiresIn, 'share');
    const { shareLink } = await import('./share-link.ts');
    const link = await shareLink({ registryDir: values.registry, reference, expiresIn, env: process.env });
    const { done } = await import('../output.ts');
    console.error(done(`${link.object}, valid until ${link.expires.toISOString().replace(/\.\d+Z$/, 'Z')}:`));
    console.log(link.url);
  },
});

/** "7d", "12h", "30m", "900s" (or plain seconds) → seconds; at most 7 days. */
export function parseExpiry(text: string): number | string {
  const seconds = parseDuration(text);
  if (typeof seconds === 'number' && seconds > MAX_PRESIGN_SECONDS) return `--expires is at most 7d (presigned S3 links cannot last longer), received "${text}"`;
  return seconds;
}
