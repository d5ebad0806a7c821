import { createHash } from 'node:crypto';
import type { History } from '../git/read-history.ts';
import { toSafeHtml } from '../model/markdown.ts';
import { toSite } from '../model/to-site.ts';
import { NO_USAGE, type SignatureView, type Site, type SiteKey, type Usage } from '../model/types.ts';
import { recordOrUndefined } from '../records/check-record.ts';
import { isContainerRecordPath } from '../records/layout.ts';
import type { ContentCache, RegistryInput } from '../records/types.ts';
import { runCache } from '../output/content-cache-fs.ts';

// Stage 5 as the build runs it: the pure model (model/to-site.ts), with rendered Markdown and old
// versions' images kept between builds by content.

export function enrich(registry: RegistryInput, history: History, usage: Usage = NO_USAGE, cache: ContentCache = runCache(), signed: { signatures?: ReadonlyMap<string, SignatureView[]>; keys?: readonly SiteKey[]; keyring?: string } = {}): Site {
  return toSite({
    registry,
    history,
    usage,
    ...signed,
    html: (markdown) => (markdown.trim() === '' ? '' : cache.memo('html', createHash('sha1').update(markdown).digest('hex'), () => toSafeHtml(markdown))!),
    // A kept parse needs no text: history reads only the texts of versions not parsed before.
    imageOfBlob: (blob) => cache.memo(HISTORY_IMAGE, blob, () => parsed(history.blobs.get(blob), blob, 'image')),
    containerOfBlob: (blob) => cache.memo(HISTORY_CONTAINER, blob, () => parsed(history.blobs.get(blob), blob, 'container')),
  });
}

// Versioned by what a parse holds: a kept parse from before `platforms` would lack them.
const HISTORY_IMAGE = 'history-image-2';
const HISTORY_CONTAINER = 'history-container';

function parsed<K extends 'image' | 'container'>(text: string | undefined, blob: string, kind: K) {
  return text === undefined ? undefined : recordOrUndefined({ display: blob, text }, kind);
}

/** Whether an old version of the record at `path` is kept parsed, so history need not read its text. */
export function isHistoryParseKept(cache: ContentCache, path: string, blob: string): boolean {
  return cache.has(isContainerRecordPath(path) ? HISTORY_CONTAINER : HISTORY_IMAGE, blob);
}
