import { createHash } from 'node:crypto';
import { request, type HttpResponse } from './shub-client.ts';

// What `apptainer pull library://…` does (DESIGN §3b), request for request, from the source of
// both client generations:
// - apptainer internal/pkg/client/library/pull.go: GetImage first (its `hash` keys the cache),
//   download, then the file's sha256 must equal that hash.
// - current: container-library-client ≥ 1.3 (Apptainer ≥ 1.2), client/pull.go DownloadImage:
//   v1/oci-redirect (anything but 200 falls back), `version`, then v1/imagefile with a client
//   that follows redirects but stops at a 303; 200 is read as one stream, 303 means GetImage
//   again for the size, then Range parts from Location (each part written at its offset, its
//   status never checked).
// - legacy: container-library-client 1.2.x (Apptainer 1.0 and 1.1), ConcurrentDownloadImage:
//   `version`, then v1/imagefile with a client that follows no redirect: 200 is one stream, 303
//   means a `Range: bytes=0-1024` request to Location for Content-Range's total, then Range parts;
//   any other status fails.

export type Generation = 'current' | 'legacy';


export interface LibraryPull {
  bytes: Buffer;
  /** Every request made, as `METHOD URL [Range]`, in order (parts may interleave). */
  requests: string[];
}

/** Go's default part size and apptainer.conf's default download concurrency. */
const PART_SIZE = 5 * 1024 * 1024;
const CONCURRENCY = 3;

export interface ClientOptions {
  generation: Generation;
  /** A CA certificate (PEM) the client trusts besides the system's: the test image server's. */
  ca?: Buffer;
  /** Host names to reach at 127.0.0.1 (an S3 website endpoint is chosen by the Host header). */
  local?: readonly string[];
  /** What `apptainer remote login` stored: sent as `Authorization: Bearer` to the library's own host. */
  token?: string;
  /** The client's architecture (`apptainer pull --arch`; its own by default): amd64 unless told. */
  arch?: string;
}

/** `apptainer pull --library BASE library://PATH:TAG` (or with the host in the reference, BASE = https://HOST). */
export async function libraryPull(base: string, imagePath: string, tag: string, options: ClientOptions): Promise<LibraryPull> {
  const requests: string[] = [];
  const get = async (url: string, headers: Record<string, string> = {}, follow: (status: number) => boolean = () => true): Promise<HttpResponse & { url: string }> => {
    let current = url;
    for (let hops = 0; ; hops++) {
      requests.push(`GET ${current}${headers.Range ? ` ${headers.Range}` : ''}`);
      const auth: Record<string, string> = options.token !== undefined && new URL(current).origin === new URL(base).origin ? { Authorization: `Bearer ${options.token}` } : {};
      const res = await send(current, { ...headers, ...auth }, options);
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && res.status !== 304 && location && follow(res.status)) {
        if (hops >= 10) throw new Error('stopped after 10 redirects');
        current = new URL(location, current).href;
        continue;
      }
      return { ...res, url: current };
    }
  };
  // ResolveReference against the base with a trailing slash, as NewClient makes it.
  const api = (rel: string, query = '') => `${new URL(rel, base.endsWith('/') ? base : `${base}/`).href}${query ? `?${query}` : ''}`;
  const ref = `${imagePath}:${tag}`;
  const arch = options.arch ?? 'amd64';
  const getImage = async () => {
    const res = await get(api(`v1/images/${ref}`, `arch=${arch}`));
    if (res.status === 404) throw new Error(`image does not exist in the library: ${ref} (${arch})`);
    if (res.status !== 200) throw new Error(`request did not succeed: http status code: ${res.status}`);
    const data = (JSON.parse(res.body.toString('utf8')) as { data?: { hash?: unknown; size?: unknown } }).data;
    if (typeof data?.hash !== 'string' || typeof data.size !== 'number') throw new Error(`error decoding image: ${res.body.toString('utf8').slice(0, 200)}`);
    return { hash: data.hash, size: data.size };
  };

  const image = await getImage();
  let bytes: Buffer;
  if (options.generation === 'current') {
    const oci = await get(api('v1/oci-redirect', `namespace=${encodeURIComponent(imagePath)}&accessTypes=pull`));
    if (oci.status === 200) throw new Error('the site answered v1/oci-redirect with 200: the client would pull from an OCI registry');
    await get(api('version'));
    const res = await get(api(`v1/imagefile/${ref}`, `arch=${arch}`), {}, (status) => status !== 303);
    if (res.status === 404) throw new Error('requested image was not found in the library');
    if (res.status === 200) bytes = res.body;
    else if (res.status !== 303) throw new Error(`unexpected HTTP status ${res.status}`);
    else {
      const { size } = await getImage();
      if (size <= 0) throw new Error(`invalid image size (${size})`);
      bytes = await parts(res.headers.location!, size, get);
    }
  } else {
    await get(api('version'));
    const res = await get(api(`v1/imagefile/${ref}`, `arch=${arch}`), {}, () => false);
    if (res.status === 404) throw new Error('requested image was not found in the library');
    if (res.status === 200) bytes = res.body;
    else if (res.status !== 303) throw new Error(`unexpected HTTP status ${res.status}`);
    else {
      const location = res.headers.location!;
      const probe = await get(location, { Range: 'bytes=0-1024' });
      if (probe.status !== 200 && probe.status !== 206) throw new Error(`unexpected HTTP status: ${probe.status}`);
      const total = String(probe.headers['content-range'] ?? '').split('/')[1];
      // The Go code indexes [1] unchecked: without Content-Range it panics.
      if (total === undefined) throw new Error('panic: index out of range (no Content-Range)');
      bytes = await parts(location, Number(total), get);
    }
  }
  const hash = `sha256.${createHash('sha256').update(bytes).digest('hex')}`;
  if (hash !== image.hash) throw new Error(`cached file hash(${hash}) and expected hash(${image.hash}) does not match`);
  return { bytes, requests };
}

/** The Range parts of a multipart download, each copied to its offset whatever the status. */
async function parts(url: string, size: number, get: (url: string, headers: Record<string, string>) => Promise<HttpResponse>): Promise<Buffer> {
  const file = Buffer.alloc(size);
  let written = 0;
  const count = Math.ceil(size / PART_SIZE);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const start = n * PART_SIZE;
      const end = Math.min(start + PART_SIZE, size) - 1;
      const res = await get(url, { Range: `bytes=${start}-${end}` });
      // io.Copy at the part's offset: a server that ignores Range writes past the part.
      const fits = Math.min(res.body.length, size - start);
      res.body.copy(file, start, 0, fits);
      written = Math.max(written, start + res.body.length);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return written > size ? Buffer.concat([file, Buffer.alloc(written - size)]) : file;
}

/** `apptainer remote add --no-login NAME URI`, then a pull through it: the library's address from the endpoint's config. */
export async function remoteEndpoint(uri: string): Promise<{ library: string; keyserver: string }> {
  const res = await send(`${uri.replace(/\/+$/, '')}/assets/config/config.prod.json`, {});
  if (res.status !== 200) throw new Error(`error response from server: ${res.status}`);
  const services = JSON.parse(res.body.toString('utf8')) as Record<string, { uri?: unknown }>;
  const uriOf = (name: string) => {
    const entry = Object.entries(services).find(([key]) => key.replace(/API$/, '').replace(/^keystore$/, 'keyserver') === name)?.[1];
    if (typeof entry?.uri !== 'string' || entry.uri === '') throw new Error(`${name} is not a service at endpoint`);
    return entry.uri;
  };
  return { library: uriOf('library'), keyserver: uriOf('keyserver') };
}

/** One GET, the path sent as the URL has it (`:` literal, as Go sends it). */
function send(url: string, headers: Record<string, string>, options: Omit<ClientOptions, 'generation'> = {}): Promise<HttpResponse> {
  const target = new URL(url);
  return request('GET', target.origin, target.pathname + target.search, { headers, ca: options.ca, local: options.local, lenient: true });
}

/**
 * `apptainer pull [--library URL] library://…` as apptainer reads it (cmd/internal/cli/pull.go,
 * internal/pkg/client/library NormalizeLibraryRef): up to two slashes is a path without a host;
 * more, and the first part is the host, the library then being https://HOST. No tag is `latest`.
 */
export function parsePullCommand(command: string): { library: string | undefined; path: string; tag: string } {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'apptainer' || words[1] !== 'pull') throw new Error(`not an apptainer pull: ${command}`);
  let library: string | undefined;
  if (words[2] === '--library') library = words[3];
  const ref = words.at(-1)!;
  if (!ref.startsWith('library://')) throw new Error(`not a library:// reference: ${ref}`);
  let rest = ref.slice('library://'.length);
  let host = '';
  if ((rest.match(/\//g) ?? []).length > 2) [host, rest] = [rest.slice(0, rest.indexOf('/')), rest.slice(rest.indexOf('/') + 1)];
  if (library && host) throw new Error('Conflicting arguments; do not use --library with a library URI containing host name');
  const [path, tags] = rest.split(':', 2) as [string, string | undefined];
  return { library: library ?? (host ? `https://${host}` : undefined), path, tag: tags?.split(',')[0] ?? 'latest' };
}
