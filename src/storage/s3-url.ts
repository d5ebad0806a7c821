// Addresses of objects in S3-compatible storage: s3:// locations, content keys, public URLs. Pure,
// so commands can check what they are given before loading the SDK.

/** A presigned GET link lasts at most 7 days (SigV4's limit). */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; may be empty. */
  prefix: string;
}

/** Parses `s3://bucket[/prefix]`, or returns why it is not one. */
export function parseS3Url(text: string): S3Location | string {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!match) return `expected s3://bucket/prefix (a bucket name of 3–63 lowercase letters, digits, . and -), received "${text}"`;
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) return `expected a key prefix without . or .. segments, received "${text}"`;
  return { bucket: match[1]!, prefix };
}

export function imageKey(location: S3Location, sha256: string): string {
  return `${location.prefix ? `${location.prefix}/` : ''}sha256/${sha256}.sif`;
}

/** `https://public/…/key`: each key segment URL-encoded under the public base URL. */
export function publicUrlOf(publicBase: string, key: string): string {
  return `${publicBase.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The key under `publicBase` that `url` names, or undefined when `url` is not there. */
export function keyOfPublicUrl(publicBase: string, url: string): string | undefined {
  const base = `${publicBase.replace(/\/+$/, '')}/`;
  if (!url.startsWith(base)) return undefined;
  try {
    return url.slice(base.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}
