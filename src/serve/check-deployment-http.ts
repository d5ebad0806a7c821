import { z } from 'zod';
import { apiCollection, apiCollectionsIndex, apiRegistry } from '../schema/api.ts';
import { shubManifest } from '../schema/manifest.ts';
import type { LibraryRedirect } from '../schema/site-config.ts';
import { libraryHost } from '../hosts/index.ts';
import { mapIdOfLocation, mapProbePath } from '../hosts/nginx.ts';
import { apiPath, libraryPath, libraryPin, OCI, ociPath, redirectTarget, servesOras } from '../site/urls.ts';
import { escapeHtml } from '../site/html.ts';

// After a deploy: fetch the live site the way the clients and people do, and say what is wrong.
// GitHub Pages takes a moment to serve a new deployment, so the first request is retried.

export interface CheckOptions {
  attempts: number;
  delayMs: number;
  /** How many tags to pull manifests for. */
  tags: number;
  /** A private registry's token (`sifhub token add`), sent as the Library API clients send it. */
  token?: string;
}

export async function checkDeployment(siteUrl: string, options: CheckOptions): Promise<{ checked: string[]; problems: string[] }> {
  const base = siteUrl.replace(/\/*$/, '');
  const checked: string[] = [];
  const problems: string[] = [];
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  const get = async (sitePath: string, headers = auth): Promise<{ status: number; text: string }> => {
    const response = await fetch(base + sitePath, { redirect: 'manual', headers, signal: AbortSignal.timeout(30_000) });
    return { status: response.status, text: await response.text() };
  };
  const getJson = async <T>(sitePath: string, parse: (v: unknown) => T): Promise<T | undefined> => {
    const { status, text } = await get(sitePath);
    if (status !== 200) {
      problems.push(`${base}${sitePath} answered ${status}, expected 200${status === 401 && !options.token ? ' (a private registry: pass --token with a token from `sifhub token add`)' : ''}`);
      return undefined;
    }
    try {
      const value = parse(JSON.parse(text));
      checked.push(sitePath);
      return value;
    } catch (error) {
      problems.push(`${base}${sitePath} is not the expected JSON: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };

  for (let attempt = 1; ; attempt++) {
    const first = await get(apiPath.registry()).catch((error: unknown) => ({ status: 0, text: String(error) }));
    if (first.status === 200 || attempt >= options.attempts) break;
    await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  const registry = await getJson(apiPath.registry(), (v) => apiRegistry.parse(v));
  // A site built for another address: every pull command it shows names that host, not this one.
  if (registry && !sameSiteUrl(registry.url, base)) problems.push(`${base}${apiPath.registry()} names ${registry.url}: the site was built for another URL (set url in registry.yml to ${base})`);
  const index = await getJson(apiPath.collections(), (v) => apiCollectionsIndex.parse(v));
  const home = await get('/');
  if (home.status !== 200) problems.push(`${base}/ answered ${home.status}, expected 200`);
  else if (registry && !home.text.includes(`<title>${escapeHtml(registry.name)}</title>`)) problems.push(`${base}/ is not the home page of "${registry.name}"`);
  else if (registry) checked.push('/');

  // oras://: clients ask /v2/ at the host's root first.
  const oras = registry?.library !== undefined && servesOras({ url: registry.url, library: registry.library.imagefile });
  if (oras) {
    const ping = await get(ociPath.ping()).catch((error: unknown) => ({ status: 0, text: String(error) }));
    if (ping.status === 200) checked.push(ociPath.ping());
    else problems.push(`${base}${ociPath.ping()} answered ${ping.status}, expected 200: oras:// clients ask for it at the host's root before anything else`);
  }
  let left = options.tags;
  for (const summary of index?.collections ?? []) {
    if (left <= 0) break;
    const collection = await getJson(apiPath.collection(summary.name), (v) => apiCollection.parse(v));
    for (const container of collection?.containers ?? []) {
      for (const tag of container.tags) {
        if (left-- <= 0) break;
        // A yanked image keeps only its pin; a withdrawn one has no manifest at all.
        const refs = tag.retraction?.kind === 'withdrawn' ? [] : tag.retraction ? [{ tag: tag.name, digest: tag.md5 }] : [{ tag: tag.name }, { tag: tag.name, digest: tag.md5 }];
        for (const ref of refs) {
          const found = await getJson(apiPath.manifest(collection!.name, container.name, ref), (v) => shubManifest.parse(v));
          if (found && (found.image !== tag.url || found.version !== tag.md5)) {
            problems.push(`${base}${apiPath.manifest(collection!.name, container.name, ref)} names ${found.image} (${found.version}), the API says ${tag.url} (${tag.md5})`);
          }
        }
        if (registry?.library && tag.url && !tag.retraction) await checkLibrary(registry.library.imagefile, `${collection!.name}/${container.name}`, tag.name, { url: tag.url, sha256: tag.sha256, size: tag.size });
        if (oras && tag.url && !tag.retraction) await checkOras(`${collection!.name}/${container.name}`, tag.name, tag.sha256);
      }
    }
  }
  if (index && index.collections.length > 0 && checked.every((p) => !p.startsWith('/api/container/'))) problems.push('no shub manifest could be checked');
  // nginx reads its redirect map when it loads its configuration: is the one it serves this deploy's?
  if (registry?.library?.imagefile === 'nginx' && registry.library.map !== undefined) {
    const probe = mapProbePath(registry);
    const response = await fetch(new URL(probe, `${base}/`).href, { redirect: 'manual', headers: auth, signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => error as Error);
    const served = response instanceof Error ? undefined : mapIdOfLocation(response.headers.get('location'));
    if (served === registry.library.map) checked.push(`${probe} (nginx serves this deploy's library:// map)`);
    else problems.push(`${base}: nginx serves ${served === undefined ? 'no sifhub map' : `the library:// map of another deploy (${served})`}, not this deploy's (${registry.library.map}): reload nginx (nginx -s reload) after every deploy, with http.conf from \`sifhub nginx-config\` included`);
  }
  // A private registry: what answered to the token must be refused without it.
  if (registry?.access === 'private' || options.token) {
    for (const sitePath of checked.filter((p) => !p.includes(' ('))) {
      const { status } = await get(sitePath, {});
      if (status !== 401) problems.push(`${base}${sitePath} answered ${status} without a token, expected 401 (registry.yml has access: private; is server.conf from \`sifhub nginx-config\` included, and nginx reloaded?)`);
      else checked.push(`${sitePath} (401 without a token)`);
    }
  }
  return { checked, problems };

  /** oras://: the tag's manifest names the tag's image as its one layer (a tag of several architectures: one of its index's manifests does). */
  async function checkOras(repository: string, tag: string, sha256: string): Promise<void> {
    type Manifest = { mediaType?: string; layers?: { digest?: string }[]; manifests?: { digest?: string }[] };
    let sitePath = ociPath.manifest(repository, tag);
    let manifest = await getJson(sitePath, (v) => v as Manifest);
    if (manifest?.mediaType === OCI.indexType) {
      const children = manifest.manifests ?? [];
      let found: Manifest | undefined;
      for (const child of children) {
        const path = ociPath.manifest(repository, child.digest ?? '');
        const candidate = await getJson(path, (v) => v as Manifest);
        if (candidate?.layers?.[0]?.digest === `sha256:${sha256}`) {
          [found, sitePath] = [candidate, path];
          break;
        }
      }
      if (!found) return void problems.push(`${base}${sitePath} is an image index of ${children.length} manifests, none naming sha256:${sha256}, the API's image of ${repository}:${tag}`);
      manifest = found;
    }
    if (manifest && manifest.layers?.[0]?.digest !== `sha256:${sha256}`) problems.push(`${base}${sitePath} names ${manifest.layers?.[0]?.digest ?? 'no layer'}, the API says sha256:${sha256}`);
  }

  /** library://: the image's JSON, and /v1/imagefile/… answering as the registry's form says it will. */
  async function checkLibrary(form: LibraryRedirect, name: string, ref: string, image: { url: string; sha256: string; size: number }): Promise<void> {
    const json = await getJson(libraryPath.image(name, ref), (v) => libraryImage.parse(v));
    if (json && (json.data.hash !== libraryPin(image.sha256) || json.data.size !== image.size)) {
      problems.push(`${base}${libraryPath.image(name, ref)} says ${json.data.hash} (${json.data.size} bytes), the API says ${libraryPin(image.sha256)} (${image.size} bytes)`);
    }
    const sitePath = libraryPath.imagefile(name, ref);
    const host = libraryHost(form);
    // A private registry's nginx fetches the image itself and passes the bytes on.
    const answers = registry?.access === 'private' && form === 'nginx' ? { bytes: true as const } : host.answers;
    const response = await fetch(base + sitePath, { method: 'bytes' in answers ? 'HEAD' : 'GET', redirect: 'manual', headers: auth, signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => error as Error);
    if (response instanceof Error) return void problems.push(`${base}${sitePath} did not answer: ${response.message}`);
    await response.body?.cancel();
    const expected = 'bytes' in answers ? `200 with ${image.size} bytes` : `${answers.redirect} to ${redirectTarget(image.url)}`;
    const got = response.status === 200 ? `200 with ${response.headers.get('content-length')} bytes` : `${response.status}${response.headers.get('location') ? ` to ${response.headers.get('location')}` : ''}`;
    if (got !== expected) {
      problems.push(`${base}${sitePath} answered ${got}, expected ${expected} (registry.yml has library: ${form}) (${host.hint})`);
    } else checked.push(sitePath);
  }
}

/** The part of the Library API's image JSON a pull reads. */
const libraryImage = z.object({ data: z.object({ hash: z.string(), size: z.number() }) });

/**
 * Whether the site built for `built` is the one served at `served` (trailing slashes and host
 * case aside). A preview on this machine (`sifhub serve` on 127.0.0.1) serves a site built for its
 * real address: there only the path must match.
 */
function sameSiteUrl(built: string, served: string): boolean {
  if (!URL.canParse(built) || !URL.canParse(served)) return false;
  const [a, b] = [new URL(built), new URL(served)];
  const path = (u: URL) => u.pathname.replace(/\/+$/, '');
  if (['127.0.0.1', 'localhost', '[::1]'].includes(b.hostname)) return path(a) === path(b);
  return a.protocol === b.protocol && a.host === b.host && path(a) === path(b);
}
