import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../concurrency.ts';
import { servedImagesOf } from '../../model/platforms.ts';
import type { Site, Version } from '../../model/types.ts';
import { objectHolds, uploadImage } from '../../storage/s3.ts';
import { imageKey, publicUrlOf, type S3Location } from '../../storage/s3-url.ts';
import { verifyImage, type VerifyOptions } from '../../storage/verify-image-http.ts';

// `sifhub mirror`: a copy of every image the registry has ever published (every version of every
// tag, deleted tags' too) in a second bucket, under its content key. Each is downloaded as verify
// downloads (https, public hosts, bounded), checked against its recorded sha256, md5 and size, and
// only then uploaded: a copy whose bytes differ is never stored. A registry then survives the
// loss of its first storage. Withdrawn images are not copied.

export interface MirrorImage {
  sha256: string;
  md5: string;
  size: number;
  /** Where the registry serves it today (the first version that names it). */
  url: string;
  /** The tags that point or pointed at it: "lab/tool:1.0". */
  tags: string[];
}

export interface MirrorResult extends MirrorImage {
  key: string;
  /** copied now; present: the bucket already held these bytes; failed: see problem. */
  status: 'copied' | 'present' | 'would copy' | 'failed';
  problem?: string;
  /** The copy's public address, given --public-url. */
  mirrorUrl?: string;
}

/** Every image in the site's history, once each, withdrawn ones left out. */
export function imagesToMirror(site: Site): MirrorImage[] {
  const images = new Map<string, MirrorImage>();
  const add = (version: Version, tag: string) => {
    // Each architecture's image of a tag that holds several.
    for (const served of servedImagesOf(version)) {
      const image = images.get(served.sha256) ?? { sha256: served.sha256, md5: served.md5, size: served.size, url: served.url, tags: [] };
      if (!image.tags.includes(tag)) image.tags.push(tag);
      images.set(served.sha256, image);
    }
  };
  for (const collection of site.collections) for (const container of collection.containers) for (const tag of container.tags) for (const v of tag.versions) add(v, `${tag.collection}/${tag.container}:${tag.name}`);
  for (const removed of site.removed) for (const v of removed.versions) add(v, `${removed.collection}/${removed.container}:${removed.name}`);
  return [...images.values()];
}

export interface MirrorOptions {
  client: S3Client;
  location: S3Location;
  verify: VerifyOptions;
  jobs: number;
  publicUrl?: string;
  dryRun?: boolean;
  onResult?: (result: MirrorResult) => void;
}

export async function mirrorImages(images: readonly MirrorImage[], options: MirrorOptions): Promise<MirrorResult[]> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'sifhub-mirror-'));
  try {
    return await mapConcurrent(images, options.jobs, async (image) => {
      const key = imageKey(options.location, image.sha256);
      const result = (status: MirrorResult['status'], problem?: string): MirrorResult => {
        const done = { ...image, key, status, ...(problem ? { problem } : {}), ...(options.publicUrl && status !== 'failed' ? { mirrorUrl: publicUrlOf(options.publicUrl, key) } : {}) };
        options.onResult?.(done);
        return done;
      };
      if (await objectHolds(options.client, options.location.bucket, key, image)) return result('present');
      if (options.dryRun) return result('would copy');
      const file = path.join(scratch, image.sha256);
      try {
        const problem = await verifyImage({ url: image.url, size: image.size, sha256: image.sha256, md5: image.md5 }, { ...options.verify, keep: file });
        if (problem) return result('failed', `${image.url} ${problem}`);
        // Whatever is under the key is not these bytes (objectHolds hashed it): a copy replaces it.
        const { uploaded } = await uploadImage({ client: options.client, location: options.location, file, size: image.size, sha256: image.sha256, md5: image.md5, replace: true });
        return uploaded ? result('copied') : result('failed', `s3://${options.location.bucket}/${key} was not written`);
      } catch (error) {
        return result('failed', (error as Error).message);
      } finally {
        await rm(file, { force: true });
      }
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
