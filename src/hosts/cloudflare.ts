import { basePath, libraryPath } from '../site/urls.ts';
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
      { path: libraryPath.cloudflareRoutes().slice(1), text: `${JSON.stringify({ version: 1, include: [`${prefix}/v1/imagefile/*`], exclude: [] })}\n` },
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
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(PREFIX)) return env.ASSETS.fetch(request);
    const json = await env.ASSETS.fetch(new URL(IMAGES + url.pathname.slice(PREFIX.length), url.origin).href);
    const location = json.status === 200 ? (await json.json().catch(() => ({}))).data?.location : undefined;
    if (typeof location !== 'string' || !location.startsWith('https://')) return new Response('image not found\\n', { status: 404 });
    return new Response(null, { status: 303, headers: { Location: location } });
  },
};
`;
}
