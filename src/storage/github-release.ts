import { StorageError } from '../errors.ts';
import { createReadStream } from 'node:fs';
import type { Octokit } from '@octokit/rest';

// Images as GitHub release assets: free hosting with download counts, one release per
// collection (a release holds at most 1000 assets). The asset name carries the content hash,
// so submitting the same image twice uploads it once and never replaces other bytes.
// Release download URLs answer with a redirect to GitHub's asset host: the Apptainer and
// Singularity clients follow it, sregistry-cli does not.

export interface ReleaseUploadInput {
  octokit: Octokit;
  owner: string;
  repo: string;
  collection: string;
  container: string;
  file: string;
  size: number;
  sha256: string;
}

const releaseTagOf = (collection: string) => `sif-${collection}`;
const assetNameOf = (container: string, sha256: string) => `${container}-${sha256.slice(0, 16)}.sif`;

export async function uploadReleaseAsset(input: ReleaseUploadInput): Promise<{ url: string; uploaded: boolean; release: string }> {
  const { octokit, owner, repo, collection } = input;
  const tag = releaseTagOf(collection);
  const name = assetNameOf(input.container, input.sha256);
  const where = `release ${tag} of ${owner}/${repo}`;
  const release = await octokit.repos
    .getReleaseByTag({ owner, repo, tag })
    .then((r) => r.data)
    .catch(async (error: { status?: number }) => {
      if (error.status !== 404) throw githubError(`could not read ${where}`, error);
      return (
        await octokit.repos
          .createRelease({ owner, repo, tag_name: tag, name: `SIF images: ${collection}`, body: `Images of the ${collection} collection, uploaded by \`sifhub submit\`. Do not delete: tag records point at these files.` })
          .catch((e: unknown) => {
            throw githubError(`could not create ${where}`, e);
          })
      ).data;
    });
  const existing = release.assets.find((a) => a.name === name);
  if (existing) {
    if (existing.size === input.size && existing.state === 'uploaded') return { url: existing.browser_download_url, uploaded: false, release: release.html_url };
    throw new StorageError(`${where} already has an asset ${name} of ${existing.size} bytes (${existing.state}) that is not this image; delete it on GitHub, then submit again`);
  }
  // upload_url is a URI template on the upload host (uploads.github.com, or HOST/api/uploads
  // on GitHub Enterprise): Octokit expands {?name,label} from the parameters.
  const asset = await octokit
    .request(`POST ${release.upload_url}`, {
      name,
      // Streamed: the image is never held in memory.
      data: createReadStream(input.file),
      headers: { 'content-type': 'application/octet-stream', 'content-length': input.size },
    })
    .catch((error: unknown) => {
      throw githubError(`uploading ${input.file} to ${where} failed; nothing was committed, run the same command again`, error);
    });
  return { url: (asset.data as { browser_download_url: string }).browser_download_url, uploaded: true, release: release.html_url };
}

function githubError(context: string, error: unknown): StorageError {
  const e = error as { status?: number; message?: string };
  const hint = e.status === 401 ? ' (GITHUB_TOKEN is missing or invalid)' : e.status === 403 || e.status === 404 ? ' (does GITHUB_TOKEN have contents: write on the repository?)' : '';
  return new StorageError(`${context}: ${e.status ? `HTTP ${e.status} ` : ''}${e.message ?? String(error)}${hint}`, { cause: error });
}
