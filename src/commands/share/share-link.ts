import path from 'node:path';
import { StorageError } from '../../errors.ts';
import { CONFIG_FILE, tagRecordPath } from '../../records/layout.ts';
import { readRecord } from '../../records/load-records-fs.ts';
import { formatReference, type ImageReference } from '../submit/to-submission.ts';
import { makeS3Client, presignGet } from '../../storage/s3.ts';
import { keyOfPublicUrl, parseS3Url } from '../../storage/s3-url.ts';

// `sifhub share`: an expiring link to an image in the registry's own bucket (registry.yml
// `storage`), for images that must not be public. Signed locally with the caller's
// credentials; the link stops working at expiry or when any character of it is changed.

export interface ShareInput {
  registryDir: string;
  reference: ImageReference;
  expiresIn: number;
  env: NodeJS.ProcessEnv;
}

export async function shareLink({ registryDir, reference, expiresIn, env }: ShareInput): Promise<{ url: string; expires: Date; object: string }> {
  const name = formatReference(reference);
  const recordPath = tagRecordPath(reference);
  const tag = await readRecord(registryDir, recordPath, 'tag');
  if (!tag) throw new StorageError(`there is no tag ${name} (no ${path.join(registryDir, recordPath)})`);
  if (!tag.checked.ok) throw new StorageError(`${tag.display} is not a valid tag record; run \`sifhub validate\``);
  const record = tag.checked;
  const config = await readRecord(registryDir, CONFIG_FILE, 'config');
  if (config && !config.checked.ok) throw new StorageError(`${config.display} is not valid; run \`sifhub validate\``);
  const storage = config?.checked.ok ? config.checked.data.storage : undefined;
  if (!storage) throw new StorageError(`${CONFIG_FILE} has no storage section: sifhub share signs links only for images in the registry's S3 bucket (storage.s3 and storage.publicUrl)`);
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
