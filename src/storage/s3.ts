import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StorageError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { imageKey, MAX_PRESIGN_SECONDS, type S3Location } from './s3-url.ts';

// Images in any S3-compatible store (AWS, Ceph radosgw, MinIO, R2, …), configured the AWS
// SDK's standard way: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL
// (or a profile). The object key is derived from the image's sha256, so submitting the same
// image twice uploads it once, and no submit can replace other bytes under a key.

export function makeS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  return new S3Client({
    // A custom endpoint (Ceph, MinIO) rarely has wildcard DNS for virtual-hosted buckets.
    forcePathStyle: Boolean(endpoint),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    // Keys from `env`; without them the SDK's own chain (profiles, SSO, instance roles).
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
    // Streamed uploads have no length up front for the default CRC32 trailer; S3-compatible
    // stores answer MissingContentLength. Checksums only when the API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
  });
}

export interface UploadInput {
  client: S3Client;
  location: S3Location;
  file: string;
  size: number;
  sha256: string;
  md5: string;
  progress?: Progress;
  /** Write over an object already under the key (the caller hashed it: not these bytes). */
  replace?: boolean;
}

/** Whether the bucket answers with these credentials: checked before a large file is hashed. */
export async function checkBucket(client: S3Client, location: S3Location): Promise<void> {
  await client.send(new HeadBucketCommand({ Bucket: location.bucket })).catch((error: unknown) => {
    throw storageError(`could not reach s3://${location.bucket}`, error);
  });
}

/**
 * Uploads the image under its content key (multipart above 16 MiB) unless the same bytes are
 * already there. Returns the key and whether anything was sent.
 */
export async function uploadImage({ client, location, file, size, sha256, md5, progress, replace }: UploadInput): Promise<{ key: string; uploaded: boolean }> {
  const key = imageKey(location, sha256);
  const where = `s3://${location.bucket}/${key}`;
  const existing = replace ? undefined : await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key })).catch((error: unknown) => {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
    throw storageError(`could not check ${where}`, error);
  });
  if (existing) {
    // Metadata is whatever a writer said: only the store's checksum, or the bytes, tell.
    if (await objectHolds(client, location.bucket, key, { size, sha256 })) return { key, uploaded: false };
    throw new StorageError(`${where} already holds ${existing.ContentLength} bytes that are not this image; refusing to overwrite (remove that object if it is junk, then run the command again)`);
  }
  const upload = new Upload({
    client,
    params: {
      Bucket: location.bucket,
      Key: key,
      Body: createReadStream(file),
      ContentLength: size,
      ContentType: 'application/octet-stream',
      Metadata: { sha256, md5 },
    },
    partSize: 16 * 1024 * 1024,
    queueSize: 4,
    // A failed multipart upload is aborted, so no half-image is left behind.
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => progress?.update(p.loaded ?? 0));
  try {
    await upload.done();
  } catch (error) {
    throw storageError(`uploading ${file} to ${where} failed; nothing was committed, run the same command again`, error);
  } finally {
    progress?.finish();
  }
  return { key, uploaded: true };
}

/**
 * Whether the bucket holds exactly these bytes under `key`. Only a sha256 the store computed is
 * trusted (S3's full-object checksum, when it keeps one); without it the object is read and
 * hashed. An object of another size is not them; no object is not them.
 */
export async function objectHolds(client: S3Client, bucket: string, key: string, image: { size: number; sha256: string }): Promise<boolean> {
  const where = { Bucket: bucket, Key: key };
  const head = await client.send(new HeadObjectCommand({ ...where, ChecksumMode: 'ENABLED' })).catch((error: unknown) => {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
    throw storageError(`could not check s3://${bucket}/${key}`, error);
  });
  if (head === undefined || head.ContentLength !== image.size) return false;
  // A multipart upload's checksum is of its parts ("…-3"), not of the object.
  if (head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-') && head.ChecksumType !== 'COMPOSITE') return Buffer.from(head.ChecksumSHA256, 'base64').toString('hex') === image.sha256;
  const object = await client.send(new GetObjectCommand(where)).catch((error: unknown) => {
    throw storageError(`could not read s3://${bucket}/${key} to check it`, error);
  });
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex') === image.sha256;
}

/** A GET URL for one object that works without credentials until it expires (at most 7 days, SigV4's limit). */
export async function presignGet(client: S3Client, location: { bucket: string; key: string }, expiresIn: number): Promise<string> {
  if (expiresIn > MAX_PRESIGN_SECONDS) throw new StorageError(`a presigned link lasts at most 7 days (SigV4), asked for ${expiresIn} seconds`);
  // Signing needs no request; check the object exists so a typo does not yield a dead link.
  await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key })).catch((error: unknown) => {
    throw storageError(`s3://${location.bucket}/${location.key} is not readable with these credentials`, error);
  });
  return getSignedUrl(client, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { expiresIn });
}

export function storageError(context: string, error: unknown): StorageError {
  if (!(error instanceof S3ServiceException)) {
    return new StorageError(`${context}: ${(error as Error).message} (is the store reachable? AWS_ENDPOINT_URL names a store other than AWS)`, { cause: error });
  }
  const status = error.$metadata.httpStatusCode;
  const hint =
    status === 403 ? ' (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and that they may write to this bucket)'
    : error.name === 'NoSuchBucket' || error.name === 'NotFound' ? ' (the bucket does not exist: create it, or fix the s3:// address)'
    : '';
  const message = error.message && error.message !== 'UnknownError' ? `: ${error.message}` : '';
  return new StorageError(`${context}: ${error.name} (HTTP ${status ?? '?'})${message}${hint}`, { cause: error });
}
