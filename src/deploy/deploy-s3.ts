import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../concurrency.ts';
import { libraryHost } from '../hosts/index.ts';
import { apiRegistry } from '../schema/api.ts';
import { EnvironmentError, StorageError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { storageError } from '../storage/s3.ts';
import type { S3Location } from '../storage/s3-url.ts';
import { DEPLOY_RECORD, isOciManifest, keyOf, planDeploy, redirectLocation, type DeployPlan, type LocalFile, type RemoteObject } from './plan-deploy.ts';

// `sifhub deploy s3://BUCKET[/PREFIX]`: the built site into any S3-compatible bucket, sending
// only what changed, in the order plan-deploy.ts gives. A deploy that stops halfway leaves every
// file either old or new (each PUT replaces one object whole) and is safe to run again: it sends
// only what is still missing, and removes only after everything is in.

/** Files above this are hashed and sent as streams: 32 side by side must not hold 32 images in memory. */
const STREAM_BYTES = 8 * 1024 * 1024;

export interface DeployOptions {
  client: S3Client;
  location: S3Location;
  /** The built site (dist, or the folder it links to). */
  dir: string;
  dryRun?: boolean;
  /** Told the bytes to upload; returns the bar to draw. */
  progress?: (totalBytes: number) => Progress;
  /** Hears each upload and removal as it is done (tests check the order). */
  onStep?: (step: { kind: 'upload' | 'delete'; key: string }) => void;
  /** Requests in flight. */
  jobs?: number;
}

export interface DeployReport {
  plan: DeployPlan;
  uploadedBytes: number;
}

export async function deploySite(options: DeployOptions): Promise<DeployReport> {
  const { client, location } = options;
  const jobs = options.jobs ?? 32;
  const dir = await realpath(options.dir).catch(() => options.dir);
  const registry = await readFile(path.join(dir, 'api/v1/registry.json'), 'utf8').catch(() => {
    throw new EnvironmentError(`${options.dir}/ holds no built site; run \`sifhub build\` first`);
  });
  // The build says how its library:// imagefiles are served: as S3 website redirects, or as files.
  const built = apiRegistry.safeParse(JSON.parse(registry));
  if (!built.success) throw new EnvironmentError(`${options.dir}/api/v1/registry.json is not a registry this sifhub built (${built.error.issues[0]?.message}); run \`sifhub build\` again`);
  const library = built.data.library;
  const websiteRedirects = library !== undefined && libraryHost(library.imagefile).deploysAsWebsiteRedirects;
  const [local, remote, previous] = await Promise.all([readLocal(dir, jobs), listRemote(client, location), readRecord(client, location)]);
  const plan = planDeploy(local, remote, location.prefix, previous, { websiteRedirects });
  const uploads = plan.waves.flatMap((w) => w.uploads);
  const uploadedBytes = uploads.reduce((sum, u) => sum + u.size, 0);
  if (options.dryRun) return { plan, uploadedBytes };

  const where = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
  const rerun = 'the site still serves every file not yet replaced; run the same command again: it sends only what is still missing';
  // The record names every key this deploy may create before any is created, so a deploy that
  // stops halfway still knows them when the site later drops one.
  const keys = local.map((f) => keyOf(location.prefix, f.path));
  if (uploads.length > 0) await writeRecord(client, location, [...new Set([...(previous ?? []), ...keys])]);
  const progress = options.progress?.(uploadedBytes);
  let sent = 0;
  try {
    for (const wave of plan.waves) {
      await mapConcurrent(wave.uploads, jobs, async (upload) => {
        const file = path.join(dir, upload.path);
        // An image the site serves itself (library: site) is streamed, not held in memory.
        const body = upload.size > STREAM_BYTES ? createReadStream(file) : await readFile(file);
        const redirect = upload.redirect ? { WebsiteRedirectLocation: redirectLocation(upload.path, body as Buffer) } : {};
        await client
          .send(new PutObjectCommand({ Bucket: location.bucket, Key: upload.key, Body: body, ContentLength: upload.size, ContentType: upload.contentType, CacheControl: upload.cacheControl, ContentMD5: Buffer.from(upload.md5, 'hex').toString('base64'), ...redirect }))
          .catch((error: unknown) => {
            throw storageError(`uploading ${upload.path} to ${where} (${wave.name}) failed; ${rerun}`, error);
          });
        sent += upload.size;
        progress?.update(sent);
        options.onStep?.({ kind: 'upload', key: upload.key });
      });
    }
  } finally {
    progress?.finish();
  }
  for (let i = 0; i < plan.deletes.length; i += 1000) {
    const batch = plan.deletes.slice(i, i + 1000);
    const result = await client.send(new DeleteObjectsCommand({ Bucket: location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })).catch((error: unknown) => {
      throw storageError(`removing files the site no longer has from ${where} failed; every new file is in place, run the same command again to finish`, error);
    });
    if (result.Errors?.length) throw new StorageError(`could not remove ${result.Errors.length} of the files the site no longer has from ${where} (first: ${result.Errors[0]!.Key}: ${result.Errors[0]!.Code}); run the same command again to finish`);
    for (const key of batch) options.onStep?.({ kind: 'delete', key });
  }
  if (uploads.length > 0 || plan.deletes.length > 0 || previous === undefined) await writeRecord(client, location, keys);
  return { plan, uploadedBytes };
}

/** Every file of the site with its size and MD5 (what a single-part upload's ETag is). */
async function readLocal(dir: string, jobs: number): Promise<LocalFile[]> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const files = entries.map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
  return mapConcurrent(files, jobs, async (file) => {
    const info = await stat(path.join(dir, file));
    if (info.size > STREAM_BYTES) {
      const hash = createHash('md5');
      for await (const chunk of createReadStream(path.join(dir, file))) hash.update(chunk as Buffer);
      return { path: file, size: info.size, md5: hash.digest('hex') };
    }
    const bytes = await readFile(path.join(dir, file));
    const mediaType = isOciManifest(file) ? manifestMediaType(bytes) : undefined;
    return { path: file, size: bytes.length, md5: createHash('md5').update(bytes).digest('hex'), ...(mediaType ? { mediaType } : {}) };
  });
}

async function listRemote(client: S3Client, location: S3Location): Promise<Map<string, RemoteObject>> {
  const objects = new Map<string, RemoteObject>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.prefix ? `${location.prefix}/` : undefined, ContinuationToken: token })).catch((error: unknown) => {
      throw storageError(`could not list s3://${location.bucket}/${location.prefix}`, error);
    });
    for (const object of page.Contents ?? []) if (object.Key) objects.set(object.Key, { size: object.Size ?? -1, etag: (object.ETag ?? '').replaceAll('"', '') });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function readRecord(client: S3Client, location: S3Location): Promise<Set<string> | undefined> {
  const key = keyOf(location.prefix, DEPLOY_RECORD);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    const parsed = JSON.parse(await object.Body!.transformToString()) as { keys?: unknown };
    return new Set(Array.isArray(parsed.keys) ? parsed.keys.filter((k): k is string => typeof k === 'string') : []);
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)) return undefined;
    if (error instanceof SyntaxError) throw new StorageError(`s3://${location.bucket}/${key} is not a deploy record sifhub wrote; remove it and deploy again (nothing will be removed that first time)`);
    throw storageError(`could not read s3://${location.bucket}/${key}`, error);
  }
}

async function writeRecord(client: S3Client, location: S3Location, keys: readonly string[]): Promise<void> {
  const key = keyOf(location.prefix, DEPLOY_RECORD);
  const body = `${JSON.stringify({ note: 'The files `sifhub deploy` put here: the next deploy removes those the site no longer has, and nothing else.', keys: [...keys].sort() })}\n`;
  await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body, ContentType: 'application/json; charset=utf-8', CacheControl: 'no-store' })).catch((error: unknown) => {
    throw storageError(`could not write s3://${location.bucket}/${key}`, error);
  });
}

/** The `mediaType` an oras:// manifest the build wrote names; undefined for anything else. */
function manifestMediaType(bytes: Buffer): string | undefined {
  try {
    const type = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
