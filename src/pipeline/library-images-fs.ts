import { chmod, copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AllowedHosts } from '../storage/allowed-hosts.ts';
import { DEFAULT_DOWNLOAD_LIMITS, verifyImage } from '../storage/verify-image-http.ts';
import { mapConcurrent } from '../concurrency.ts';
import { EnvironmentError } from '../errors.ts';
import { hashFile } from '../sif/hash-file-fs.ts';
import { cacheDir } from '../package-root-node.ts';
import type { LibraryRedirectRule } from '../hosts/library-host.ts';

// `library: site`: the site serves each image's bytes at /v1/imagefile/… itself, for hosts that
// cannot redirect (GitHub Pages). Each image is downloaded once, exactly as `sifhub verify`
// downloads it (https, public hosts or those registry.yml's allowHosts lists, bounded), kept in the
// cache under its sha256 only when its sha256, md5 and size match the record (and hashed again
// whenever a build uses it), and hard-linked to every path that serves it. A build that cannot get every image fails, naming each: the site it
// would replace keeps serving.

const JOBS = 3;

/** Puts each rule's image at its path under `siteDir`. */
export async function writeLibraryImages(siteDir: string, rules: readonly LibraryRedirectRule[], allowedHosts: AllowedHosts): Promise<number> {
  if (rules.length === 0) return 0;
  const store = path.join(cacheDir(), 'images');
  await mkdir(store, { recursive: true });
  const bySha = new Map<string, LibraryRedirectRule>();
  for (const rule of rules) if (!bySha.has(rule.image.sha256)) bySha.set(rule.image.sha256, rule);
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS, allowHost: process.env.SIFHUB_ALLOW_HOST || undefined, allowedHosts, githubServerUrl: process.env.GITHUB_SERVER_URL || 'https://github.com' };
  const problems = (
    await mapConcurrent([...bySha.values()], JOBS, async (rule) => {
      const kept = path.join(store, rule.image.sha256);
      // A cache restored in CI is checked, not trusted: a kept image is hashed again.
      if ((await stat(kept).catch(() => undefined))?.size === rule.image.size && (await hashFile(kept)).sha256 === rule.image.sha256) return undefined;
      await rm(kept, { force: true });
      const partial = `${kept}.${process.pid}.partial`;
      const problem = await verifyImage(rule.image, { ...limits, keep: partial });
      if (problem !== undefined) {
        await rm(partial, { force: true });
        return `${rule.file}: library: site needs its image, and ${rule.image.url} failed: ${problem}`;
      }
      // Read-only: every site links to this one file.
      await chmod(partial, 0o444);
      await rename(partial, kept);
      return undefined;
    })
  ).filter((p) => p !== undefined);
  if (problems.length > 0) throw new EnvironmentError(`could not copy ${problems.length === 1 ? 'an image' : `${problems.length} images`} into the site (registry.yml has library: site); the site was not changed, build again once they download:\n  ${problems.join('\n  ')}`);
  for (const parent of new Set(rules.map((rule) => path.dirname(path.join(siteDir, rule.path))))) await mkdir(parent, { recursive: true });
  await mapConcurrent(rules, 16, async (rule) => {
    const to = path.join(siteDir, rule.path);
    const from = path.join(store, rule.image.sha256);
    // Another disk than the cache's: a copy.
    await link(from, to).catch((error: NodeJS.ErrnoException) => (error.code === 'EXDEV' ? copyFile(from, to) : Promise.reject(error)));
  });
  return rules.length;
}
