import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

// What Apptainer/SingularityCE do for `pull shub://HOST/coll/name[:tag][@digest]` (DESIGN §3,
// from internal/pkg/client/shub/{util,api,pull}.go): validate the reference, build the request
// path with `:` and `@` literal, GET it with no auth and no Accept, require 200, read JSON, then
// GET `image` (scheme forced to http under --no-https), following redirects and checking only
// that the byte count equals Content-Length.

const SHUB_REF = /^(shub:\/\/)([-.a-zA-Z0-9/]{1,64}\/)?([-a-zA-Z0-9]{1,39}\/)([-_.a-zA-Z0-9]{1,64})(:[-_.a-zA-Z0-9]{1,64})?((@[a-f0-9]{32})|(@[a-f0-9]{40}))?$/;

/** The manifest request path for a shub:// reference, exactly as the client builds it. */
export function manifestRequestPath(ref: string): string {
  if (!SHUB_REF.test(ref)) throw new Error(`the client refuses ${ref}: Invalid shub URI`);
  const parts = ref.slice('shub://'.length).split('/');
  const prefix = parts.length > 2 ? parts.slice(1, -2).join('/') : '';
  const user = parts.at(-2)!;
  let rest = parts.at(-1)!;
  let digest = '';
  let tag = '';
  if (rest.includes('@')) [rest, digest] = [rest.split('@')[0]!, `@${rest.split('@')[1]}`];
  if (rest.includes(':')) [rest, tag] = [rest.split(':')[0]!, `:${rest.split(':')[1]}`];
  if (!tag && !digest) tag = ':latest';
  return `${prefix ? `/${prefix}` : ''}/api/container/${user}/${rest}${tag}${digest}`;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** A CA certificate (PEM) to trust for https: a test server's. */
  ca?: Buffer;
  /** Host names to reach at 127.0.0.1 (an S3 website endpoint is chosen by the Host header). */
  local?: readonly string[];
  /**
   * Read the response as Go does, ignoring bytes after it: radosgw's website endpoint sends its
   * 301 twice, which Node's strict parser refuses (and, kept alive, would misread as the next
   * response; so every request has a connection of its own).
   */
  lenient?: boolean;
}

/** A raw HTTP(S) request: the path is sent byte for byte, as Go's client sends it. */
export function request(method: 'GET' | 'HEAD', origin: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const { hostname, port, protocol } = new URL(origin);
  const send = protocol === 'https:' ? https.request : http.request;
  const lookup: http.RequestOptions['lookup'] = (_host, opts, callback) => ((opts as { all?: boolean }).all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4));
  return new Promise((resolve, reject) => {
    const req = send({
      method, hostname, port, path, agent: false, headers: { 'User-Agent': 'apptainer/1.3.0', ...options.headers },
      ...(options.ca ? { ca: options.ca } : {}), ...(options.local?.includes(hostname) ? { lookup } : {}), ...(options.lenient ? { insecureHTTPParser: true } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Pulled {
  manifest: Record<string, unknown>;
  bytes: number;
  sha256: string;
  md5: string;
}

/** `apptainer pull --no-https shub://SITE/ref` against a site served at `siteOrigin`. */
export async function pull(siteOrigin: string, ref: string): Promise<Pulled> {
  const path = manifestRequestPath(ref);
  const res = await request('GET', siteOrigin, path);
  if (res.status !== 200) throw new Error(`manifest ${path}: ${res.status}`);
  const manifest = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  const commit = manifest.commit;
  // The shub cache is keyed on `commit`: empty fails the pull, and it must be safe as a file name.
  if (typeof commit !== 'string' || !/^[A-Za-z0-9._-]+$/.test(commit)) throw new Error(`unusable cache key ${String(commit)}`);
  const image = new URL(String(manifest.image));
  image.protocol = 'http:';
  const download = await request('GET', image.origin, image.pathname + image.search);
  if (download.status !== 200) throw new Error(`image ${image}: ${download.status}`);
  const length = Number(download.headers['content-length']);
  if (length !== download.body.length) throw new Error(`image received is not the right size: ${length} vs ${download.body.length}`);
  return {
    manifest,
    bytes: download.body.length,
    sha256: createHash('sha256').update(download.body).digest('hex'),
    md5: createHash('md5').update(download.body).digest('hex'),
  };
}

// sregistry-cli's `registry` client (sregistry/utils/names.py parse_image_name and
// sregistry/main/registry/{__init__,pull}.py): the base comes from the reference's host or from
// SREGISTRY_REGISTRY_BASE, `.img`, `.simg` and `.sif` are cut from the name wherever they
// appear, everything is lower-cased, and the version (`@digest`) never reaches the request.
const SREGISTRY_URIS = [
  /^(?:(?<registry>[^/@]+[.:][^/@]*)\/)?(?<repo>[^:@/]+)(?::(?<tag>[^:@]+))?(?:@(?<version>.+))?$/,
  /^(?:(?<registry>[^/@]+)\/)?(?<collection>(?:[^:@/]+\/)+)(?<repo>[^:@/]+)(?::(?<tag>[^:@]+))?(?:@(?<version>.+))?$/,
];

/** The manifest URL sregistry-cli requests for a shell command `[VAR=value ...] sregistry pull registry://…`. */
export function sregistryManifestUrl(command: string): string {
  const words = command.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words[0] !== 'sregistry' || words[1] !== 'pull' || words.length !== 3) throw new Error(`not an sregistry pull: ${command}`);
  const original = words[2]!.replace(/^.+:\/\//, '');
  const name = original.replace(/[.](img|simg|sif)/g, '');
  const groups = SREGISTRY_URIS.map((re) => re.exec(name)?.groups).find(Boolean);
  if (!groups) throw new Error(`sregistry-cli cannot parse ${name}`);
  const collection = (groups.collection ?? 'library').toLowerCase().replace(/\/+$/, '');
  let registry = groups.registry ?? env.SREGISTRY_REGISTRY_BASE?.replace(/\/+$/, '');
  if (!registry) throw new Error('You must define a base in secrets, image uri, or environment');
  if (!registry.startsWith('http')) registry = `${env.SREGISTRY_REGISTRY_NOHTTPS ? 'http' : 'https'}://${registry}`;
  if (!registry.endsWith('api')) registry += '/api';
  return `${registry}/container/${collection}/${groups.repo!.toLowerCase()}:${(groups.tag ?? 'latest').toLowerCase()}`;
}
