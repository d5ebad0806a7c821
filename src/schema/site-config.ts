import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { byteSize, forgeLogin, httpsUrl, shortText, signaturePolicy, signerId, text } from './fields.ts';

/** How a library:// client gets from /v1/imagefile/… to the image (README "Pulling with library://"). */
export const LIBRARY_REDIRECTS = ['netlify', 'nginx', 'cloudflare', 's3-website', 'site'] as const;

/** library: site's defaults: one image, and all the images' bytes the site holds (each path a copy, as Pages' artifact stores it). */
export const LIBRARY_SITE_LIMITS = { maxImage: 1_000_000_000, maxTotal: 900_000_000 } as const;

/**
 * The shub client parses `shub://HOST[/PREFIX]/coll/name` with `[-.a-zA-Z0-9/]{1,64}` for
 * HOST[/PREFIX] (apptainer internal/pkg/client/shub/util.go): no port, no underscore, 64 at most.
 */
function shubRegistryProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const { host, port, pathname, search, hash } = new URL(url);
  if (port) return 'expected no port: the shub client refuses one in shub:// URIs (serve the site on the default port)';
  if (search || hash) return 'expected no query or fragment';
  const hostAndPath = host + pathname.replace(/\/+$/, '');
  if (!/^[-.a-zA-Z0-9/]{1,64}$/.test(hostAndPath)) {
    return `expected host and path of at most 64 characters of a-z, 0-9, ., - and / (the shub client's rule; "${hostAndPath.length > 40 ? `${hostAndPath.slice(0, 39)}…` : hostAndPath}" has ${hostAndPath.length})`;
  }
  return undefined;
}

/**
 * Why `url` is not yet a real address: a name reserved for examples (RFC 2606: example.org and
 * the .example, .test, .invalid, .localhost domains), as left from a template. Undefined when it
 * may be real.
 */
export function placeholderUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const host = new URL(url).hostname.toLowerCase();
  const reserved = /(^|\.)example\.(org|com|net)$|\.(example|test|invalid|localhost)$/.test(host);
  return reserved ? `url is ${url}, a placeholder: every pull command the site shows names ${host}. Set url in registry.yml to where the site is served.` : undefined;
}

/**
 * Why the `library` form cannot work where `url` says the site is served, or undefined: GitHub
 * Pages serves files only, so no redirect form answers library:// pulls there.
 */
export function libraryHostProblem(config: Pick<SiteConfig, 'url' | 'library'>): string | undefined {
  if (config.library === undefined || config.library === 'site' || !URL.canParse(config.url)) return undefined;
  const host = new URL(config.url).hostname.toLowerCase();
  if (!host.endsWith('.github.io')) return undefined;
  return `library: ${config.library} needs a host that redirects, but url is on GitHub Pages (${host}), which serves files only: library:// pulls will fail there. Use library: site on GitHub Pages, or serve the site from ${config.library === 's3-website' ? 'the bucket\'s website endpoint' : config.library}.`;
}

/**
 * Why a GitHub Pages project site serves no oras:// tree, or undefined: clients ask /v2/ at the
 * host's root, which a project site (ORG.github.io/REPO) does not have. Elsewhere a path prefix
 * is the admin's choice, told on the About page and in the docs.
 */
export function orasHostProblem(config: Pick<SiteConfig, 'url' | 'library'>): string | undefined {
  if (config.library === undefined || !URL.canParse(config.url)) return undefined;
  const url = new URL(config.url);
  const prefix = url.pathname.replace(/\/+$/, '');
  if (prefix === '' || !url.hostname.toLowerCase().endsWith('.github.io')) return undefined;
  return `no oras:// pulls (nor shpc's library.json): clients ask for /v2/ at the host's root, and a GitHub Pages project site lives under ${prefix}. Serve it at a custom domain or as the organisation's ${url.hostname} site to add them; shub:// and library:// work as they are.`;
}

export const siteConfig = z
  .strictObject({
    name: shortText.min(1).describe('Name of the registry, shown on every page.'),
    url: httpsUrl
      .superRefine((value, ctx) => {
        const problem = shubRegistryProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('Public https URL where the site is served, with its path prefix (e.g. https://lab.github.io/registry).'),
    description: text(2000).optional().describe('A paragraph about the registry (Markdown).'),
    contact: z.email({ error: 'expected an email address' }).optional().describe('Email address of the people who run the registry.'),
    help: httpsUrl.optional().describe('Where users get help (https).'),
    repository: httpsUrl.optional().describe('The git repository holding these records (https); commits link to it.'),
    forge: z
      .enum(['github', 'gitlab'])
      .optional()
      .describe('Where `repository` lives: github or gitlab. Decides how owners are named, where stars are read and how issue links are made. Default: gitlab when the repository\'s host name says gitlab, else github.'),
    maintainers: z.array(forgeLogin).max(100).optional().describe('GitHub logins (or GitLab usernames) who may change every collection.'),
    storage: z
      .strictObject({
        s3: z
          .string()
          .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, { error: 'expected s3://bucket/prefix' })
          .describe('Where `sifhub submit --upload s3` puts images: s3://bucket/prefix.'),
        publicUrl: httpsUrl.describe('The https address serving that bucket\'s root (an image\'s URL is this plus its key), e.g. https://bucket.s3.eu-west-1.amazonaws.com.'),
      })
      .optional()
      .describe('The registry\'s object storage: the default for `sifhub submit --upload s3`, and what `sifhub share` signs links for.'),
    automerge: z
      .enum(['owners', 'off'])
      .optional()
      .describe('owners: a pull request that changes only records of collections its author owns is merged as soon as every check passes; anything else waits for a maintainer. off (the default): every pull request waits.'),
    library: z
      .enum(LIBRARY_REDIRECTS)
      .optional()
      .describe('Serve `library://` pulls (the Library API\'s pull path) and how the host sends /v1/imagefile/… to each image: netlify (a _redirects file of 303s), nginx (a map file the server config includes; 303s), cloudflare (a _worker.js for Cloudflare Pages that answers 303s from the images\' JSON) or s3-website (`sifhub deploy` stores S3 website redirects: 301s, which Apptainer 1.2 and later follow); or site: the build copies every image into the site, which serves the bytes itself (any host, GitHub Pages too; the site grows by several times the images\' bytes). Left out, the site serves no library:// pulls.'),
    allowHosts: z
      .array(
        z.string().refine((v) => (v.includes('/') ? ipaddr.isValidCIDR(v) : /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(v)), {
          error: 'expected a host name in lowercase (storage.lab.example.edu) or an address range (10.20.0.0/16, fd00::/8)',
        }),
      )
      .max(50)
      .optional()
      .describe('Internal image hosts the pull-request check, `sifhub mirror` and `library: site` may fetch images from although their addresses are not public: host names (which may then resolve to private, unique-local, CGNAT or loopback addresses) and address ranges (any host inside them, link-local only this way). Everything else must be a public host.'),
    access: z
      .enum(['public', 'private'])
      .optional()
      .describe('public (the default): anyone may read the site and pull. private: on your own nginx (`sifhub nginx-config`), every page, JSON file, manifest and image needs a token from `sifhub token add`: library:// clients send it as `apptainer remote login` stores it, browsers as HTTP basic authentication. shub:// clients cannot send one: they pull only from the networks shubNetworks lists.'),
    shubNetworks: z
      .array(z.string().refine((v) => v.includes('/') && ipaddr.isValidCIDR(v), { error: 'expected an address range such as 10.0.0.0/8' }))
      .max(50)
      .optional()
      .describe('With access: private, the networks (address ranges) from which shub:// pulls (which carry no credentials) are answered without a token.'),
    librarySite: z
      .strictObject({
        maxImage: byteSize.optional().describe(`The largest image the site may serve itself, in bytes (default ${LIBRARY_SITE_LIMITS.maxImage}: the build downloads each one onto the build machine's disk).`),
        maxTotal: byteSize.optional().describe(`The bytes of images the site may hold, counting each path that serves one (default ${LIBRARY_SITE_LIMITS.maxTotal}, to stay within GitHub Pages' 1 GB with the pages).`),
      })
      .optional()
      .describe('With library: site, how many bytes of images the site may hold; a pull request that passes them is refused, so the publish never fails on them.'),
    latest: z
      .enum(['newest', 'none'])
      .optional()
      .describe('What `name:latest` means for a container without a `latest` tag: its most recently updated tag (newest, the default) or nothing (none).'),
    signers: z.array(signerId).max(100).optional().describe('Keys every collection trusts (an institution\'s build key): PGP fingerprints (registry/keys/FINGERPRINT.asc) or PEM key names (registry/keys/NAME.pem).'),
    signatures: signaturePolicy.optional(),
  })
  .superRefine((config, ctx) => {
    // GitHub Pages serves every file to anyone: a private registry there would be public.
    if (config.access === 'private' && URL.canParse(config.url) && new URL(config.url).hostname.toLowerCase().endsWith('.github.io')) {
      ctx.addIssue({ code: 'custom', path: ['access'], message: 'expected a url on your own server: GitHub Pages serves every file to anyone, so access: private needs nginx with `sifhub nginx-config` (README: A private registry)' });
    }
  })
  .describe('registry/registry.yml: who runs the registry and where it is served.');

export type SiteConfig = z.infer<typeof siteConfig>;
export type LibraryRedirect = NonNullable<SiteConfig['library']>;

/** The forge `repository` lives on: registry.yml's `forge`, else what the host's name says. */
export function forgeOf(config: Pick<SiteConfig, 'forge' | 'repository'>): 'github' | 'gitlab' {
  if (config.forge) return config.forge;
  const host = config.repository && URL.canParse(config.repository) ? new URL(config.repository).hostname.toLowerCase() : '';
  return host.includes('gitlab') ? 'gitlab' : 'github';
}
