import { forgeOf, type SiteConfig } from '../schema/site-config.ts';

// Every URL the site links to is built here, so a registry served under a path prefix
// (GitHub project pages: https://lab.github.io/registry/) links correctly everywhere.

/** "/registry" for https://lab.github.io/registry, "" for a site at the host root. */
export function basePath(config: Pick<SiteConfig, 'url'>): string {
  return new URL(config.url).pathname.replace(/\/+$/, '');
}

/** host[/prefix] as the shub:// URI wants it. */
export function shubHost(config: Pick<SiteConfig, 'url'>): string {
  const url = new URL(config.url);
  return url.host + url.pathname.replace(/\/+$/, '');
}

export const pagePath = {
  home: () => '/',
  about: () => '/about/',
  collections: () => '/collections/',
  collection: (c: string) => `/collections/${c}/`,
  container: (c: string, n: string) => `/collections/${c}/${n}/`,
  tag: (c: string, n: string, t: string) => `/collections/${c}/${n}/${t}/`,
  labels: () => '/labels/',
  /** `slug` from the label index, never a raw key. */
  label: (slug: string) => `/labels/${slug}/`,
  topics: () => '/topics/',
  topic: (topic: string) => `/topics/${topic}/`,
  sizes: () => '/sizes/',
  search: () => '/search/',
  stars: () => '/stars/',
  downloads: () => '/downloads/',
};

/** Files beside the pages, for browsers and crawlers. */
export const filePath = {
  favicon: () => '/favicon.svg',
  sitemap: () => '/sitemap.xml',
  robots: () => '/robots.txt',
  /** What the sizes page's treemap zooms with, fetched when it is first needed. */
  treemapData: () => '/sizes/treemap.json',
  /** A signer key of the registry: keys/FINGERPRINT.asc, or keys/NAME.pem. */
  key: (id: string, kind: 'pgp' | 'pem') => `/keys/${id}.${kind === 'pgp' ? 'asc' : 'pem'}`,
  /**
   * What apptainer asks a keyserver for a key (GET /pks/lookup?op=get&search=0x…): a static host
   * ignores the query, so this one file, every PGP key of the registry, answers every lookup.
   */
  keyLookup: () => '/pks/lookup',
  /**
   * One key alone, by what a lookup searches for (0x and its 16-digit key ID or 40-digit
   * fingerprint, in either case): what a host that routes on the query answers (the nginx config).
   */
  keyById: (search: string) => `/pks/by-id/${search}`,
  /** The names a search that finds nothing suggests instead, fetched only then. */
  searchNames: () => '/search/names.json',
};

/** The issue whose 👍 reactions are a collection's stars, in registry.yml's `repository`. */
export function starsIssueUrl(config: Pick<SiteConfig, 'forge' | 'repository'> & { repository: string }, issue: number): string {
  return `${config.repository.replace(/\/+$/, '').replace(/\.git$/, '')}/${forgeOf(config) === 'gitlab' ? '-/' : ''}issues/${issue}`;
}

/** Where pagefind's files live (its script finds the index next to itself); shard k > 0 of a split index beside it. */
export const searchBundlePath = (shard = 0) => (shard === 0 ? '/pagefind/' : `/pagefind-${shard}/`);

/** The shard whose bundle a folder at the site's top is (searchBundlePath's inverse), or undefined. */
export function shardOfBundle(folder: string): number | undefined {
  const match = /^pagefind(?:-([1-9]\d*))?$/.exec(folder);
  return match ? Number(match[1] ?? 0) : undefined;
}

export interface ShubRef {
  tag?: string;
  digest?: string;
}

/** "coll/name[:tag][@digest]": the reference the shub clients send, `:` and `@` literal. */
function shubRef(c: string, n: string, ref: ShubRef): string {
  return `${c}/${n}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export const apiPath = {
  registry: () => '/api/v1/registry.json',
  collections: () => '/api/v1/collections.json',
  collection: (c: string) => `/api/v1/collections/${c}.json`,
  /** The page listing the schemas. */
  schemas: () => '/api/v1/schema/',
  schema: (file: string) => `/api/v1/schema/${file}`,
  manifest: (c: string, n: string, ref: ShubRef) => `/api/container/${shubRef(c, n, ref)}`,
};

/** A site path → the href to put in a page (with the path prefix). */
export function href(config: Pick<SiteConfig, 'url'>, sitePath: string): string {
  return basePath(config) + sitePath;
}

/** A site path → the absolute public URL. */
export function absoluteUrl(config: Pick<SiteConfig, 'url'>, sitePath: string): string {
  return new URL(config.url).origin + href(config, sitePath);
}

export function shubUri(config: Pick<SiteConfig, 'url'>, c: string, n: string, ref: ShubRef): string {
  return `shub://${shubHost(config)}/${shubRef(c, n, ref)}`;
}

/**
 * The sregistry-cli pull command for a tag (its `registry` client), or undefined when that client
 * cannot ask for it: it cuts `.img`, `.simg` and `.sif` out of a reference wherever they appear.
 * The host goes in the reference when the site sits at the root of its host; a site under a path
 * prefix is named by SREGISTRY_REGISTRY_BASE, since the client reads the path as a collection.
 * sregistry-cli drops a `@digest` from its request, so it has no pinned form.
 */
export function sregistryPullCommand(config: Pick<SiteConfig, 'url'>, c: string, n: string, tag: string): string | undefined {
  const cut = /[.](img|simg|sif)/;
  const ref = shubRef(c, n, { tag });
  if (cut.test(ref)) return undefined;
  const url = new URL(config.url);
  if (basePath(config) === '' && !cut.test(url.host)) return `sregistry pull registry://${url.host}/${ref}`;
  return `SREGISTRY_REGISTRY_BASE=${url.origin}${basePath(config)} sregistry pull registry://${ref}`;
}

/** Link to a commit of the records' repository, when registry.yml names one. */
export function commitUrl(config: Pick<SiteConfig, 'repository'>, sha: string): string | undefined {
  return config.repository ? `${config.repository.replace(/\/+$/, '')}/commit/${sha}` : undefined;
}

/**
 * The Library API's pull path (DESIGN §3b) as a static site serves it. A registry's collection is
 * the Library's entity, and its containers sit in the entity's `default` collection, as Sylabs'
 * library reads `entity/container`: so `library://lab/tool:1.0` (through a remote or --library)
 * and `library://HOST/lab/default/tool:1.0` name the same image. A ref is a tag or an image's
 * `sha256.<hex>`, which pins it.
 */
export const LIBRARY_COLLECTION = 'default';

export const libraryPath = {
  /** What `apptainer remote add` reads to find the library (and key server) of an endpoint. */
  config: () => '/assets/config/config.prod.json',
  version: () => '/version',
  /** Both names of a container: `lab/tool` and `lab/default/tool`. */
  names: (c: string, n: string) => [`${c}/${n}`, `${c}/${LIBRARY_COLLECTION}/${n}`],
  image: (name: string, ref: string) => `/v1/images/${name}:${ref}`,
  imagefile: (name: string, ref: string) => `/v1/imagefile/${name}:${ref}`,
  /** The nginx map the server's configuration includes (README "Pulling with library://"). */
  nginxMap: () => '/library-imagefile.map',
  /** Each library:// path's architecture, for nginx to refuse a client that asks for another (`?arch=`). */
  nginxArchMap: () => '/library-arch.map',
  /** A tag of several architectures: "PATH@ARCH" → that architecture's path, for nginx to route `?arch=` on. */
  nginxPlatformMap: () => '/library-platforms.map',
  /** Each oras:// manifest's digest, for nginx to send as Docker-Content-Digest (the oras CLI wants it). */
  nginxDigestMap: () => '/oci-digest.map',
  /** The oras:// manifests that are image indexes, for nginx to serve with the index's media type. */
  nginxIndexMap: () => '/oci-index.map',
  /** Where nginx serves an image index from, internally (a location of its own sets its type). */
  nginxIndexLocation: () => '/_sifhub/oci-index',
  /** Netlify reads response headers per path from this file at the site's root. */
  netlifyHeaders: () => '/_headers',
  /** Netlify reads redirect rules from this file at the site's root. */
  netlifyRedirects: () => '/_redirects',
  /** What Netlify answers (404) a client asking for an architecture a tag of several does not hold; no image name starts with a dot. */
  netlifyNoArchitecture: () => '/v1/images/.sifhub-no-architecture',
  /** Cloudflare Pages runs this module for the routes _routes.json names (advanced mode). */
  cloudflareWorker: () => '/_worker.js',
  cloudflareRoutes: () => '/_routes.json',
};

/**
 * The OCI distribution API as oras:// clients ask it (go-containerregistry, oras-go), at the
 * site's root: `/v2/` must answer 200 at the host's root for a client to pull at all.
 */
export const ociPath = {
  /** `GET /v2/`: the API's ping (a folder whose index the host serves). */
  ping: () => '/v2/',
  catalog: () => '/v2/_catalog',
  /** `lab/tool`: a container is a repository. */
  tags: (repository: string) => `/v2/${repository}/tags/list`,
  manifest: (repository: string, reference: string) => `/v2/${repository}/manifests/${reference}`,
  blob: (repository: string, digest: string) => `/v2/${repository}/blobs/${digest}`,
};

/** What a SIF artifact in an OCI registry is made of, as `apptainer push oras://` writes it. */
export const OCI = {
  manifestType: 'application/vnd.oci.image.manifest.v1+json',
  /** A tag of several architectures: Apptainer ≥ 1.5 picks its platform's manifest from it. */
  indexType: 'application/vnd.oci.image.index.v1+json',
  configType: 'application/vnd.sylabs.sif.config.v1+json',
  layerType: 'application/vnd.sylabs.sif.layer.v1.sif',
  /** The config every SIF artifact carries, and its digest. */
  config: '{}',
  configDigest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
} as const;

/** What Singularity Registry HPC (shpc) reads from a registry's site. */
export const shpcPath = {
  /** Every module: shpc asks https://ORG.github.io/REPO/library.json for a registry github.com/ORG/REPO. */
  library: () => '/library.json',
  containerYaml: (c: string, n: string) => `/collections/${c}/${n}/container.yaml`,
};

/** Whether the site answers oras:// pulls: with a `library` host form, at its host's root (clients ask /v2/ there). */
export function servesOras(config: Pick<SiteConfig, 'url' | 'library'>): boolean {
  return config.library !== undefined && basePath(config) === '';
}

/** The oras:// reference a client pulls: host and path prefix, then the repository and a tag or `@sha256:…`. */
export function orasUri(config: Pick<SiteConfig, 'url'>, c: string, n: string, reference: string): string {
  return `oras://${new URL(config.url).host}/${c}/${n}${reference.startsWith('sha256:') ? `@${reference}` : `:${reference}`}`;
}

export function libraryPin(sha256: string): string {
  return `sha256.${sha256}`;
}

/**
 * The `apptainer pull` command for a library:// ref. At the root of its host the reference names
 * the host; under a path prefix it cannot (the client takes the host alone as the library's
 * address), so --library names the site.
 */
export function libraryPullCommand(config: Pick<SiteConfig, 'url'>, c: string, n: string, ref: string): string {
  const url = new URL(config.url);
  const uri = libraryUri(config, c, n, ref);
  return basePath(config) === '' ? `apptainer pull ${uri}` : `apptainer pull --library ${url.origin}${basePath(config)} ${uri}`;
}

/** The library:// reference: with the host at its root, else the path alone (for --library or a remote). */
export function libraryUri(config: Pick<SiteConfig, 'url'>, c: string, n: string, ref: string): string {
  return basePath(config) === '' ? `library://${new URL(config.url).host}/${c}/${LIBRARY_COLLECTION}/${n}:${ref}` : `library://${c}/${n}:${ref}`;
}

/**
 * A record's URL as a redirect target: whitespace, quotes, backslashes and `$` (an nginx
 * variable) percent-encoded, so it stays one token in every rule file and means the same URL.
 */
export function redirectTarget(url: string): string {
  return new URL(url).href.replace(/[\s"'\\$;{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
