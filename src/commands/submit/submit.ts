import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { makeOctokit, type GitHubAccess } from '../../github/octokit.ts';
import { githubTarget, openPullRequest, type GitHubTarget } from '../pull-request-github.ts';
import { checkRecord } from '../../records/check-record.ts';
import { CONFIG_FILE, tagRecordPath } from '../../records/layout.ts';
import { StorageError, SubmitError } from '../../errors.ts';
import { isHttpsUrl } from '../../schema/fields.ts';
import { tagRecord, type TagRecord } from '../../schema/record.ts';
import type { SiteConfig } from '../../schema/site-config.ts';
import { hashInspected, inspectFile } from '../../sif/inspect-file-fs.ts';
import type { SifInspection } from '../../sif/inspect-sif.ts';
import { formatBytes } from '../../site/format.ts';
import { uploadReleaseAsset } from '../../storage/github-release.ts';
import { checkBucket, makeS3Client, uploadImage } from '../../storage/s3.ts';
import { parseS3Url, publicUrlOf, type S3Location } from '../../storage/s3-url.ts';
import { fetchImageHead } from './fetch-image-head-http.ts';
import type { FileHashes } from '../../sif/hash-file-fs.ts';
import type { Progress } from '../../progress.ts';
import { formatReference, type ContainerAbout, toCollectionReadmeText, toContainerReadmeText, submissionBranch, toPullRequest, toTagRecordText, type ImageReference } from './to-submission.ts';
import { pathPrefix } from '../../git/repository.ts';
import { commitOnBranch, openRegistryRepository, pushBranch, remoteExists, type RegistryRepository } from '../../git/registry-repository.ts';

// `sifhub submit`, in the one order that leaves nothing half-done: everything that can be
// checked is checked before anything is uploaded; the record is committed only after the
// image is in place; a failed push deletes the branch. An upload is keyed by content, so
// running the same command again after any failure is always safe.

export type UploadTarget =
  | { kind: 's3'; s3?: string; publicUrl?: string }
  | { kind: 'github-release' }
  | { kind: 'url'; url: string };

export interface SubmitOptions {
  file: string;
  reference: ImageReference;
  registryDir: string;
  target: UploadTarget;
  remote: string;
  push: boolean;
  pullRequest: boolean;
  frozen: boolean;
  /** GitHub login to list as owner of a new collection (default: the token's user). */
  owner?: string;
  /** A new container's summary, description, topics and license. */
  about?: ContainerAbout;
  github: GitHubAccess;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
  warn(line: string): void;
  progress(label: string, total: number): Progress;
}

export interface SubmitResult {
  record: TagRecord;
  inspection: SifInspection;
  /** Nothing was written: the tag already points at this image. */
  unchanged: boolean;
  branch?: string;
  commit?: string;
  pullRequestUrl?: string;
}

/**
 * Who owns a new collection: --owner, else the GitHub token's user. Without either the pull
 * request would add a collection nobody may change (and fail the check for anyone but a
 * maintainer), so submit stops before any byte moves.
 */
async function newCollectionOwner(options: SubmitOptions, github: GitHubTarget | undefined, readme: string): Promise<string> {
  if (options.owner) return options.owner;
  const octokit = github?.octokit ?? (options.github.token ? makeOctokit(options.github) : undefined);
  const login = octokit ? await octokit.users.getAuthenticated().then((r) => r.data.login, () => undefined) : undefined;
  if (login) return login;
  throw new SubmitError(`${options.reference.collection} is a new collection, and its ${readme} must name who may change it: pass --owner YOUR-GITHUB-LOGIN (or set GITHUB_TOKEN, whose user becomes its owner). The file will read:\n  ---\n  owners: [YOUR-GITHUB-LOGIN]\n  ---\nNothing was uploaded or committed.`);
}

export async function submit(options: SubmitOptions): Promise<SubmitResult> {
  const { reference, log, warn } = options;
  const name = formatReference(reference);

  // 1. Everything checkable before any byte moves.
  const repository = await openRegistryRepository(options.registryDir);
  const shown = (file: string) => displayPath(repository, file);
  const config = await readConfig(repository);
  const s3 = options.target.kind === 's3' ? s3Target(options.target, config, await uncommittedStorage(repository, config)) : undefined;
  if (options.push && !(await remoteExists(repository, options.remote))) {
    throw new SubmitError(`there is no git remote "${options.remote}" to push to; add it, pass --remote NAME, or use --no-push`);
  }
  const needsGitHub = options.target.kind === 'github-release' || (options.push && options.pullRequest);
  const github = needsGitHub ? await submitTarget(options, repository, config) : undefined;
  await checkTargetBeforeHashing(options, s3);
  // A new collection lists who may change it: known now, or nothing is uploaded or committed.
  const newCollection = (await repository.readAtBase(`${reference.collection}/README.md`)) === undefined;
  const owner = newCollection ? await newCollectionOwner(options, github, shown(`${reference.collection}/README.md`)) : undefined;
  const previous = await readTagAtBase(repository, reference);
  if (previous?.frozen) {
    throw new SubmitError(`${name} is frozen at ${previous.sha256.slice(0, 12)}… in ${repository.baseBranch ?? repository.base.slice(0, 12)}: a frozen tag never moves. Submit this image under a new tag.`);
  }

  // 2. The image: what it says about itself, then its hashes.
  const inspection = await inspectFile(options.file);
  log(`✔ Read ${options.file}: SIF ${inspection.header.version}, ${inspection.metadata.architecture ?? 'architecture unknown'}${inspection.metadata.from ? `, from ${inspection.metadata.from}` : ''}${inspection.metadata.labels ? `, ${Object.keys(inspection.metadata.labels).length} labels` : ''}`);
  for (const note of inspection.notes) warn(note);
  // One read: the image's hashes, and whether each signature still holds.
  const { hashes, metadata } = await hashInspected(options.file, inspection, options.progress('Hashing  ', (await stat(options.file)).size));
  log(`✔ Hashed ${formatBytes(hashes.size)}: sha256 ${hashes.sha256}`);
  if (previous && previous.sha256 === hashes.sha256) {
    log(`${name} already points at this image; nothing to submit.`);
    return { record: previous, inspection, unchanged: true };
  }

  // 3. The image in place, at an https URL that serves exactly these bytes.
  const url = await placeImage(options, hashes, s3, github);

  // 4. The records, committed on a branch of their own.
  const record = tagRecord.parse({ url, sha256: hashes.sha256, md5: hashes.md5, size: hashes.size, ...(options.frozen ? { frozen: true } : {}), ...metadata });
  const files: Record<string, string> = { [tagRecordPath(reference)]: toTagRecordText(record) };
  if (newCollection) files[`${reference.collection}/README.md`] = toCollectionReadmeText(owner);
  const containerReadme = `${reference.collection}/${reference.container}/README.md`;
  if ((await repository.readAtBase(containerReadme)) === undefined) {
    files[containerReadme] = toContainerReadmeText(metadata, options.about);
  } else if (options.about && Object.keys(options.about).length > 0) {
    warn(`${shown(containerReadme)} exists already: --summary, --description, --topics and --license describe a new container only; edit that file to change it`);
  }
  const branch = submissionBranch(reference.collection, reference.container, reference.tag, hashes.sha256);
  const pullRequest = toPullRequest({ reference, record, previous, upload: describeTarget(options.target, s3) });
  const commit = await commitOnBranch({ repository, branch, files, message: `${pullRequest.title}\n\nImage: ${url}\nsha256: ${hashes.sha256}\nSubmitted with sifhub submit.` });
  log(`✔ Committed ${Object.keys(files).map(shown).join(', ')} on branch ${branch} (your checkout is unchanged)`);
  if (!options.push) {
    log(`Not pushed (--no-push). To continue: git push ${options.remote} ${branch}`);
    return { record, inspection, unchanged: false, branch, commit };
  }

  // 5. Push, then the pull request.
  await pushBranch(repository, options.remote, branch);
  log(`✔ Pushed ${branch} to ${options.remote}`);
  if (!options.pullRequest || !github) {
    log(`No pull request opened (--no-pr). Open one from branch ${branch}.`);
    return { record, inspection, unchanged: false, branch, commit };
  }
  const pullRequestUrl = await openPullRequest(github, repository, branch, pullRequest, options.github.serverUrl);
  log(`✔ Opened pull request ${pullRequestUrl}`);
  return { record, inspection, unchanged: false, branch, commit, pullRequestUrl };
}

/** A file of the registry as the repository names it ("registry/lab/tool/1.0.md"). */
function displayPath(repository: RegistryRepository, file: string): string {
  return `${pathPrefix(repository.registryPath)}${file}`;
}

async function readConfig(repository: RegistryRepository): Promise<SiteConfig | undefined> {
  const text = await repository.readAtBase(CONFIG_FILE);
  if (text === undefined) return undefined;
  const config = checkRecord({ display: displayPath(repository, CONFIG_FILE), text }, 'config');
  if (!config.ok) throw new SubmitError(`${displayPath(repository, CONFIG_FILE)} at ${repository.baseBranch ?? 'HEAD'} is not valid; run \`sifhub validate\` and fix it first`);
  return config.data;
}

async function readTagAtBase(repository: RegistryRepository, reference: ImageReference): Promise<TagRecord | undefined> {
  const file = tagRecordPath(reference);
  const text = await repository.readAtBase(file);
  if (text === undefined) return undefined;
  const record = checkRecord({ display: displayPath(repository, file), text }, 'tag');
  if (!record.ok) throw new SubmitError(`the existing record ${displayPath(repository, file)} is not valid; run \`sifhub validate\` and fix it first`);
  return record.data;
}

/**
 * What the working tree's registry.yml says about storage when the committed one says nothing:
 * submit branches from the commit, so a `storage:` section not committed yet is not read, and the
 * message must say so rather than ask for what is on the user's screen.
 */
async function uncommittedStorage(repository: RegistryRepository, config: SiteConfig | undefined): Promise<string | undefined> {
  if (config?.storage) return undefined;
  const text = await readFile(path.join(repository.root, repository.registryPath, CONFIG_FILE), 'utf8').catch(() => undefined);
  const working = text === undefined ? undefined : checkRecord({ display: CONFIG_FILE, text }, 'config');
  return working?.ok && working.data.storage ? displayPath(repository, CONFIG_FILE) : undefined;
}

function s3Target(target: Extract<UploadTarget, { kind: 's3' }>, config: SiteConfig | undefined, uncommitted: string | undefined): { location: S3Location; publicUrl: string } {
  const text = target.s3 ?? config?.storage?.s3;
  if (!text && uncommitted) throw new SubmitError(`${uncommitted} in your working tree has storage:, but it is not committed, and submit reads the committed file (it commits on a branch from it): commit ${uncommitted} first, or pass --upload s3://bucket/prefix --public-url https://…`);
  if (!text) throw new SubmitError('--upload s3 needs a bucket: --upload s3://bucket/prefix, or storage.s3 in registry.yml');
  const location = parseS3Url(text);
  if (typeof location === 'string') throw new SubmitError(`--upload: ${location}`);
  const publicUrl = target.publicUrl ?? (config?.storage && (!target.s3 || target.s3 === config.storage.s3) ? config.storage.publicUrl : undefined);
  if (!publicUrl) throw new SubmitError('--upload s3://… needs --public-url https://… (the address that serves the bucket\'s root), or storage.publicUrl in registry.yml');
  if (!isHttpsUrl(publicUrl)) throw new SubmitError(`--public-url expects an https:// URL without credentials, received "${publicUrl}"`);
  return { location, publicUrl };
}

async function submitTarget(options: SubmitOptions, repository: RegistryRepository, config: SiteConfig | undefined): Promise<GitHubTarget> {
  const why = options.target.kind === 'github-release' ? '--upload github-release' : 'opening the pull request';
  return githubTarget(options.github, repository, options.remote, config, why, displayPath(repository, CONFIG_FILE));
}

/**
 * What can fail without the file's bytes fails before they are read (hashing a large image
 * takes minutes): a --url must be https and serve exactly the file's size; a bucket must answer
 * with the credentials given.
 */
async function checkTargetBeforeHashing(options: SubmitOptions, s3: { location: S3Location } | undefined): Promise<void> {
  const { target, log } = options;
  if (target.kind === 'url') {
    if (!isHttpsUrl(target.url)) throw new SubmitError(`--url expects an https:// URL without credentials, received "${target.url}"`);
    const { size } = await stat(options.file);
    const head = await fetchImageHead(target.url);
    if (head.problem) throw new SubmitError(`${target.url} ${head.problem}; nothing was written`);
    if (head.size !== size) throw new SubmitError(`${target.url} serves ${head.size} bytes, but ${options.file} is ${size}: not the same image; nothing was written`);
    log(`✔ ${target.url} serves ${size.toLocaleString('en')} bytes, as the file has`);
  }
  if (s3) {
    const client = makeS3Client(options.env);
    try {
      await checkBucket(client, s3.location);
    } finally {
      client.destroy();
    }
  }
}

async function placeImage(options: SubmitOptions, hashes: FileHashes, s3: { location: S3Location; publicUrl: string } | undefined, github: GitHubTarget | undefined): Promise<string> {
  const { target, log, warn } = options;
  // A --url was checked against the file's size before hashing (checkTargetBeforeHashing).
  if (target.kind === 'url') return target.url;
  if (target.kind === 's3' && s3) {
    const client = makeS3Client(options.env);
    try {
      const { key, uploaded } = await uploadImage({ client, location: s3.location, file: options.file, size: hashes.size, sha256: hashes.sha256, md5: hashes.md5, progress: options.progress('Uploading', hashes.size) });
      log(uploaded ? `✔ Uploaded to s3://${s3.location.bucket}/${key}` : `✔ s3://${s3.location.bucket}/${key} already holds this image; not uploaded again`);
      const url = publicUrlOf(s3.publicUrl, key);
      const head = await fetchImageHead(url);
      if (head.problem || head.size !== hashes.size) {
        warn(`${url} ${head.problem ?? `serves ${head.size} bytes, not ${hashes.size}`}: the pull request's verify check will fail until the bucket serves it publicly (or check --public-url)`);
      }
      return url;
    } finally {
      client.destroy();
    }
  }
  if (target.kind === 'github-release' && github) {
    const result = await uploadReleaseAsset({ octokit: github.octokit, owner: github.owner, repo: github.repo, collection: options.reference.collection, container: options.reference.container, file: options.file, size: hashes.size, sha256: hashes.sha256 });
    log(result.uploaded ? `✔ Uploaded to ${result.release}` : `✔ ${result.release} already holds this image; not uploaded again`);
    warn(`GitHub release URLs redirect to GitHub's asset host: Apptainer and Singularity follow the redirect, sregistry-cli does not`);
    return result.url;
  }
  throw new StorageError('no upload target');
}

function describeTarget(target: UploadTarget, s3: { location: S3Location } | undefined): string {
  if (target.kind === 's3') return `uploaded to s3://${s3?.location.bucket}`;
  if (target.kind === 'github-release') return 'a GitHub release asset';
  return 'hosted by the submitter';
}
