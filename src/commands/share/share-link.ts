import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMarkdownRecord, parseYaml } from '../../records/parse-record.ts';
import { tagRecord } from '../../schema/record.ts';
import { siteConfig } from '../../schema/site-config.ts';
import { formatReference, tagRecordPath, type ImageReference } from '../submit/to-submission.ts';
import { keyOfPublicUrl, makeS3Client, MAX_PRESIGN_SECONDS, parseS3Url, presignGet, StorageError } from '../../storage/s3.ts';

// `sifhub share`: an expiring link to an image in the registry's own bucket (registry.yml
// `storage`), for images that must not be public. Signed locally with the caller's
// credentials; the link stops working at expiry or when any character of it is changed.

/** "7d", "12h", "30m", "900s" (or plain seconds) → seconds; at most 7 days. */
export function parseExpiry(text: string): number | string {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) return `--expires expects a duration such as 7d, 12h, 30m or 900s, received "${text}"`;
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1) return '--expires must be at least 1 second';
  if (seconds > MAX_PRESIGN_SECONDS) return `--expires is at most 7d (presigned S3 links cannot last longer), received "${text}"`;
  return seconds;
}

export interface ShareInput {
  registryDir: string;
  reference: ImageReference;
  expiresIn: number;
  env: NodeJS.ProcessEnv;
}

export async function shareLink({ registryDir, reference, expiresIn, env }: ShareInput): Promise<{ url: string; expires: Date; object: string }> {
  const name = formatReference(reference);
  const recordFile = path.join(registryDir, tagRecordPath(reference));
  const text = await readFile(recordFile, 'utf8').catch(() => {
    throw new StorageError(`there is no tag ${name} (no ${recordFile})`);
  });
  const parsed = parseMarkdownRecord(text);
  const record = parsed.ok ? tagRecord.safeParse(parsed.value.data) : undefined;
  if (!record?.success) throw new StorageError(`${recordFile} is not a valid tag record; run \`sifhub validate\``);
  const configText = await readFile(path.join(registryDir, 'registry.yml'), 'utf8').catch(() => '');
  const configParsed = parseYaml(configText);
  const config = configParsed.ok ? siteConfig.safeParse(configParsed.value.data) : undefined;
  const storage = config?.success ? config.data.storage : undefined;
  if (!storage) throw new StorageError(`registry.yml has no storage section: sifhub share signs links only for images in the registry's S3 bucket (storage.s3 and storage.publicUrl)`);
  const key = keyOfPublicUrl(storage.publicUrl, record.data.url);
  const location = parseS3Url(storage.s3);
  if (key === undefined || typeof location === 'string') {
    throw new StorageError(`${name} is stored at ${record.data.url}, not in the registry's bucket (${storage.publicUrl}): share works only for images in ${storage.s3}; that URL can be shared as it is`);
  }
  const client = makeS3Client(env);
  try {
    const url = await presignGet(client, { bucket: location.bucket, key }, expiresIn);
    return { url, expires: new Date(Date.now() + expiresIn * 1000), object: `s3://${location.bucket}/${key}` };
  } finally {
    client.destroy();
  }
}
