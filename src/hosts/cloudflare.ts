import { basePath, libraryPath, OCI, servesOras } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';

// Cloudflare Pages: a _worker.js (Pages' advanced mode) that answers /v1/imagefile/NAME:REF with a
// 303 to the `location` the image's JSON names, run only for those paths by _routes.json.

export const cloudflareHost: LibraryHost = {
  ...REDIRECTING,
  form: 'cloudflare',
  locationInImageJson: true,
  siteFiles: (config) => {
    const prefix = basePath(config);
    return [
      { path: libraryPath.cloudflareWorker().slice(1), text: cloudflareWorker(prefix) },
      // Only these paths run the worker (and count as its requests); every other file is served as it is.
      { path: libraryPath.cloudflareRoutes().slice(1), text: `${JSON.stringify({ version: 1, include: [`${prefix}/v1/imagefile/*`, ...(servesOras(config) ? ['/v2/*'] : [])], exclude: [] })}\n` },
    ];
  },
  hint: 'were _worker.js and _routes.json deployed at the site\'s root?',
};

/**
 * Cloudflare Pages' `_redirects` cannot hold these rules: it reads `:latest` in
 * `/v1/imagefile/lab/tool:latest` as a placeholder that matches any tag (a wrong image), and
 * allows 2,000 rules. This worker answers /v1/imagefile/NAME:REF with a 303 to the `location`
 * in /v1/images/NAME:REF, the JSON the site already serves, and 404 when there is none.
 */
function cloudflareWorker(prefix: string): string {
  return `// Written by sifhub build (registry.yml: library: cloudflare). library:// on Cloudflare Pages:
// /v1/imagefile/NAME:REF answers 303 to the image /v1/images/NAME:REF names.
const PREFIX = ${JSON.stringify(`${prefix}/v1/imagefile/`)};
const IMAGES = ${JSON.stringify(`${prefix}/v1/images/`)};
// oras:// (the OCI tree under /v2/): manifests get their media type, an image's blob the same
// 303 as its /v1/imagefile/NAME:sha256.HEX, everything else (lists, the config blob) as it is.
const V2 = ${JSON.stringify(`${prefix}/v2/`)};
const MANIFEST = /^(.+)\\/manifests\\/[^/]+$/;
const BLOB = /^(.+)\\/blobs\\/sha256:([0-9a-f]{64})$/;
const CONFIG = ${JSON.stringify(OCI.configDigest.slice('sha256:'.length))};
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith(V2)) {
      const rest = url.pathname.slice(V2.length);
      const blob = BLOB.exec(rest);
      if (blob && blob[2] !== CONFIG) return redirect(env, url, IMAGES + blob[1] + ':sha256.' + blob[2]);
      const asset = await env.ASSETS.fetch(request);
      if (!MANIFEST.test(rest) || asset.status !== 200) return asset;
      const headers = new Headers(asset.headers);
      headers.set('Content-Type', ${JSON.stringify(OCI.manifestType)});
      return new Response(asset.body, { status: 200, headers });
    }
    if (!url.pathname.startsWith(PREFIX)) return env.ASSETS.fetch(request);
    return redirect(env, url, IMAGES + url.pathname.slice(PREFIX.length));
  },
};

async function redirect(env, url, imageJson) {
  const json = await env.ASSETS.fetch(new URL(imageJson, url.origin).href);
  const location = json.status === 200 ? (await json.json().catch(() => ({}))).data?.location : undefined;
  if (typeof location !== 'string' || !location.startsWith('https://')) return new Response('image not found\\n', { status: 404 });
  return new Response(null, { status: 303, headers: { Location: location } });
}
`;
}
