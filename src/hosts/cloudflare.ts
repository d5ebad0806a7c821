import { basePath, libraryPath, OCI, servesOras } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';

// Cloudflare Pages: a _worker.js (Pages' advanced mode) that answers /v1/imagefile/NAME:REF with a
// 303 to the `location` the image's JSON names, and /v1/images/NAME:REF with the JSON of the
// architecture the client asks for; run only for those paths (and /v2/) by _routes.json.

export const cloudflareHost: LibraryHost = {
  ...REDIRECTING,
  form: 'cloudflare',
  routesArchitecture: true,
  locationInImageJson: true,
  siteFiles: (config) => {
    const prefix = basePath(config);
    return [
      { path: libraryPath.cloudflareWorker().slice(1), text: cloudflareWorker(prefix) },
      // Only these paths run the worker (and count as its requests); every other file is served as it is.
      { path: libraryPath.cloudflareRoutes().slice(1), text: `${JSON.stringify({ version: 1, include: [`${prefix}/v1/imagefile/*`, `${prefix}/v1/images/*`, ...(servesOras(config) ? ['/v2/*'] : [])], exclude: [] })}\n` },
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
// /v1/imagefile/NAME:REF answers 303 to the image /v1/images/NAME:REF names. Apptainer asks for
// its own architecture (?arch=): a tag of several answers with that architecture's image
// (NAME:REF@ARCH), and a tag without one is refused rather than hand over another's.
const PREFIX = ${JSON.stringify(`${prefix}/v1/imagefile/`)};
const IMAGES = ${JSON.stringify(`${prefix}/v1/images/`)};
// oras:// (the OCI tree under /v2/): manifests get their media type (an image index for a tag of
// several architectures), an image's blob the same 303 as its /v1/imagefile/NAME:sha256.HEX,
// everything else (lists, the config blob) as it is.
const V2 = ${JSON.stringify(`${prefix}/v2/`)};
const MANIFEST = /^(.+)\\/manifests\\/[^/]+$/;
const BLOB = /^(.+)\\/blobs\\/sha256:([0-9a-f]{64})$/;
const CONFIG = ${JSON.stringify(OCI.configDigest.slice('sha256:'.length))};
const MANIFEST_TYPE = ${JSON.stringify(OCI.manifestType)};
const INDEX_TYPE = ${JSON.stringify(OCI.indexType)};
const ARCH = /^[a-z0-9_]{1,20}$/;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith(V2)) {
      const rest = url.pathname.slice(V2.length);
      const blob = BLOB.exec(rest);
      if (blob && blob[2] !== CONFIG) return redirect(env, url, blob[1] + ':sha256.' + blob[2], '');
      const asset = await env.ASSETS.fetch(request);
      if (!MANIFEST.test(rest) || asset.status !== 200) return asset;
      const text = await asset.text();
      const headers = new Headers(asset.headers);
      headers.set('Content-Type', mediaTypeOf(text) === INDEX_TYPE ? INDEX_TYPE : MANIFEST_TYPE);
      return new Response(request.method === 'HEAD' ? null : text, { status: 200, headers });
    }
    const arch = url.searchParams.get('arch') ?? '';
    if (url.pathname.startsWith(IMAGES)) {
      const found = await imageJson(env, url, url.pathname.slice(IMAGES.length), arch);
      if (found.refusal) return found.refusal;
      return new Response(request.method === 'HEAD' ? null : found.text, { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=60' } });
    }
    if (!url.pathname.startsWith(PREFIX)) return env.ASSETS.fetch(request);
    return redirect(env, url, url.pathname.slice(PREFIX.length), arch);
  },
};

function mediaTypeOf(text) {
  try {
    return JSON.parse(text).mediaType;
  } catch {
    return undefined;
  }
}

/** The image JSON a client asking for \`arch\` gets for NAME:REF, or the refusal it gets instead. */
async function imageJson(env, url, ref, arch) {
  const fetchJson = (path) => env.ASSETS.fetch(new URL(IMAGES + path, url.origin).href);
  if (ARCH.test(arch)) {
    const own = await fetchJson(ref + '@' + arch);
    if (own.status === 200) return { text: await own.text() };
  }
  const json = await fetchJson(ref);
  if (json.status !== 200) return { refusal: error(404, 'image not found') };
  const text = await json.text();
  let data;
  try {
    data = JSON.parse(text).data;
  } catch {
    return { refusal: error(404, 'image not found') };
  }
  if (arch !== '' && typeof data?.arch === 'string' && data.arch !== arch) return { refusal: error(404, 'no ' + arch.slice(0, 20) + ' image of this tag') };
  return { text, data };
}

async function redirect(env, url, ref, arch) {
  const found = await imageJson(env, url, ref, arch);
  if (found.refusal) return found.refusal;
  const location = found.data === undefined ? JSON.parse(found.text).data?.location : found.data.location;
  if (typeof location !== 'string' || !location.startsWith('https://')) return error(404, 'image not found');
  return new Response(null, { status: 303, headers: { Location: location } });
}

/** The Library API's error, as container-library-client reads it. */
function error(code, message) {
  return new Response(JSON.stringify({ error: { code, message } }), { status: code, headers: { 'Content-Type': 'application/json' } });
}
`;
}
