import { createHash } from 'node:crypto';
import type { History } from '../git/read-history.ts';
import { toSafeHtml } from '../model/markdown.ts';
import { toSite } from '../model/to-site.ts';
import { NO_USAGE, type Site, type Usage } from '../model/types.ts';
import { recordOrUndefined } from '../records/check-record.ts';
import type { ContentCache, RegistryInput } from '../records/types.ts';
import { runCache } from './content-cache-fs.ts';

// Stage 5 as the build runs it: the pure model (model/to-site.ts), with rendered Markdown and old
// versions' images kept between builds by content.

export function enrich(registry: RegistryInput, history: History, usage: Usage = NO_USAGE, cache: ContentCache = runCache()): Site {
  return toSite({
    registry,
    history,
    usage,
    html: (markdown) => (markdown.trim() === '' ? '' : cache.memo('html', createHash('sha1').update(markdown).digest('hex'), () => toSafeHtml(markdown))!),
    imageOfBlob: (blob) => {
      const text = history.blobs.get(blob);
      if (text === undefined) return undefined;
      return cache.memo('history-image', blob, () => recordOrUndefined({ display: blob, text }, 'image'));
    },
    containerOfBlob: (blob) => {
      const text = history.blobs.get(blob);
      if (text === undefined) return undefined;
      return cache.memo('history-container', blob, () => recordOrUndefined({ display: blob, text }, 'container'));
    },
  });
}
