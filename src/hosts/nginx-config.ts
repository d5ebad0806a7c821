import type { SiteConfig } from '../schema/site-config.ts';
import { basePath, libraryPath, OCI, servesOras } from '../site/urls.ts';
import { libraryHost } from './index.ts';
import { toNginxAuthScript } from './nginx-auth.ts';

// The nginx configuration for a registry served from an institution's own server (`sifhub
// nginx-config`): one file for the admin's `http {}` (the library:// map, which nginx allows only
// there) and one for inside the admin's own `server {}`, which keeps listen, server_name and TLS.
// Every location is an exact prefix with its own alias, so the same text works at a host's root
// and under a path prefix. Pure.

/** How long a client may keep what changes with every merge (tags move) and what never does. */
const SHORT = 'public, max-age=60';
const PAGES = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The library API's error, as container-library-client reads it, for a client asking for another architecture. */
const ARCH_REFUSAL = 'if ($sifhub_wrong_arch) { return 404 \'{"error":{"code":404,"message":"$sifhub_wrong_arch"}}\'; }';
/** A tag of several architectures: the client's (`?arch=`) image is served in the tag's place. */
const PLATFORM_ROUTE = 'if ($sifhub_platform) { rewrite ^ $sifhub_platform last; }';

export interface NginxConfig {
  /** For inside `http {}`. */
  http: string;
  /** For inside the site's `server {}`. */
  server: string;
  /** A private registry's token check (njs), to write at `options.authScript`. */
  authScript?: string;
}

export interface NginxOptions {
  /** Where the auth script is written (a private registry's). */
  authScript: string;
  /** The tokens file `sifhub token` keeps (a private registry's). */
  tokens: string;
  /** A DNS server for nginx to find internal image hosts by name (a private registry proxies images). */
  resolver?: string;
  /** The institution's single sign-on: an auth endpoint answering 2xx for a signed-in browser (oauth2-proxy's /oauth2/auth). */
  sso?: { auth: string; login?: string };
}

/** `root`: the folder nginx serves the site from (with `sifhub deploy DIR`, DIR/current). */
export function toNginxConfig(config: SiteConfig, root: string, options: NginxOptions): NginxConfig {
  const prefix = basePath(config);
  const dir = root.replace(/\/+$/, '');
  const redirects = config.library !== undefined && libraryHost(config.library).form === 'nginx';
  const isPrivate = config.access === 'private';
  // Private: every location asks the token check first; a refusal says how to authenticate.
  const guard = isPrivate ? ['    auth_request ' + prefix + '/_sifhub/auth;', '    error_page 401 ' + prefix + '/_sifhub/401;'] : [];
  const realm = config.name.replace(/[^\x20-\x7e]|["\\]/g, '');
  const header = `# Written by \`sifhub nginx-config\` for ${config.name} (${config.url}); write it again after changing registry.yml.`;
  const http = [
    header,
    '# Include inside http {}.',
    ...(redirects
      ? [
          '# library:// pulls: /v1/imagefile/NAME:REF → the image. The map is read when nginx loads its',
          '# configuration: reload nginx after every deploy (nginx -s reload). At 100,000 tags it holds',
          '# about 460,000 paths.',
          'map_hash_max_size 2097152;',
          'map_hash_bucket_size 256;',
          'map $uri $sifhub_image {',
          `    include ${dir}${libraryPath.nginxMap()};`,
          '}',
          '# Apptainer asks for its own architecture (?arch=amd64): a tag of another is refused, never',
          '# handed over as if it were the one asked for.',
          'map $uri $sifhub_arch {',
          `    include ${dir}${libraryPath.nginxArchMap()};`,
          '}',
          ...(servesOras(config)
            ? [
                '# oras://: each manifest\'s digest, sent as Docker-Content-Digest (the oras CLI asks for it),',
                '# and the tags of several architectures, whose image index is served with its own type.',
                'map $uri $sifhub_digest {',
                `    include ${dir}${libraryPath.nginxDigestMap()};`,
                '}',
                'map $uri $sifhub_oci_index {',
                `    include ${dir}${libraryPath.nginxIndexMap()};`,
                '}',
              ]
            : []),
          '# A tag of several architectures is routed to the one asked for (its own path, in the map).',
          'map "$uri@$arg_arch" $sifhub_platform {',
          '    volatile;  # asked again after the route: the routed path is no key',
          `    include ${dir}${libraryPath.nginxPlatformMap()};`,
          '}',
          'map "$sifhub_arch:$arg_arch" $sifhub_wrong_arch {',
          '    default "";',
          '    "~^(?<sifhub_have>[a-z0-9_]+):(?!\\k<sifhub_have>$)(?<sifhub_want>[a-z0-9_]+)$" "no $sifhub_want image of this tag: it is $sifhub_have only";',
          '    "~^(?<sifhub_have>[a-z0-9_]+(?: [a-z0-9_]+)+):(?<sifhub_want>[a-z0-9_]+)$" "no $sifhub_want image of this tag: it has $sifhub_have";',
          '}',
        ]
      : ['# No library:// map (registry.yml has no library: nginx).']),
    ...(isPrivate
      ? [
          '# access: private: the token check (nginx\'s njs module: apt-get install libnginx-mod-http-js).',
          `js_import sifhub_auth from ${options.authScript};`,
        ]
      : []),
    '',
  ].join('\n');
  // Files without an extension (shub manifests named NAME:TAG, the Library API's JSON) are JSON
  // whatever their names end in: `types {}` keeps nginx from guessing from a tag's ".0".
  const cache = (value: string) => `    add_header Cache-Control "${isPrivate ? 'private, no-store' : value}" always;`;
  const json = (location: string, exact = false, access: string[] = guard) => [`location ${exact ? '=' : '^~'} ${prefix}${location} {`, ...access, `    alias ${dir}${location};`, '    types { }', '    default_type application/json;', cache(SHORT), '}'];
  const jsonRefusingArch = (location: string) => {
    const lines = json(location);
    lines.splice(1, 0, `    ${PLATFORM_ROUTE}`, `    ${ARCH_REFUSAL}`);
    return lines;
  };
  // shub:// clients send no credentials: in a private registry they are answered from the listed networks only.
  const shubAccess = isPrivate && (config.shubNetworks?.length ?? 0) > 0 ? ['    satisfy any;', ...config.shubNetworks!.map((n) => `    allow ${n};`), '    deny all;', ...guard] : guard;
  const imagefile = isPrivate && redirects
    ? [
        '# The image is fetched from where its record says and passed on: its address never leaves the server.',
        `location ^~ ${prefix}/v1/imagefile/ {`,
        `    ${PLATFORM_ROUTE}`,
        ...guard,
        '    js_content sifhub_auth.image;',
        '}',
        'location @sifhub_image {',
        '    proxy_pass $sifhub_image;',
        '    proxy_ssl_server_name on;',
        '    proxy_buffering off;',
        '    proxy_set_header Authorization "";',
        ...(options.resolver ? [`    resolver ${options.resolver};`] : ['    # resolver 127.0.0.53;  # when image hosts are names, not addresses (sifhub nginx-config --resolver)']),
        cache(SHORT),
        '}',
      ]
    : redirects
      ? [`location ^~ ${prefix}/v1/imagefile/ {`, '    default_type application/json;', `    ${PLATFORM_ROUTE}`, `    ${ARCH_REFUSAL}`, '    if ($sifhub_image = "") { return 404; }', '    return 303 $sifhub_image;', '}']
      : [`location ^~ ${prefix}/v1/imagefile/ {`, ...guard, `    alias ${dir}/v1/imagefile/;`, '    types { }', '    default_type application/octet-stream;', cache(SHORT), '}'];
  // oras:// (the OCI distribution API): manifests typed as OCI manifests, each image's layer blob
  // answered as /v1/imagefile/… is (the same map), the config blob `{}` and the lists as files.
  const escaped = prefix.replace(/[.]/g, '\\.');
  const blob = isPrivate && redirects
    ? [...guard, '    js_content sifhub_auth.image;']
    : redirects
      ? ['    if ($sifhub_image = "") { return 404; }', '    return 303 $sifhub_image;']
      : [...guard, `    alias ${dir}/v2/$1;`, '    types { }', '    default_type application/octet-stream;', cache(SHORT)];
  /** A file of the OCI tree whose name a regex matches, served with its media type. */
  const v2File = (pattern: string, type: string, cacheFor: string, extra: string[] = []) => [
    `location ~ "^${escaped}/v2/(${pattern})$" {`,
    ...guard,
    `    alias ${dir}/v2/$1;`,
    '    types { }',
    `    default_type ${type};`,
    ...extra,
    cache(cacheFor),
    '}',
  ];
  const oras = [
    '# oras:// pulls: the OCI distribution API. Clients ask /v2/ at the host\'s root.',
    `location ${prefix}/v2/ {`,
    ...guard,
    `    alias ${dir}/v2/;`,
    '    index index.html;',
    '    types { }',
    '    default_type application/json;',
    cache(SHORT),
    '}',
    ...v2File('.+/manifests/[^/]+', OCI.manifestType, SHORT, redirects ? ['    if ($sifhub_oci_index) { rewrite ^ $sifhub_oci_index last; }', '    add_header Docker-Content-Digest $sifhub_digest always;'] : []),
    ...(redirects
      ? [
          `location ^~ ${prefix}${libraryPath.nginxIndexLocation()}/v2/ {`,
          '    internal;',
          ...guard,
          `    alias ${dir}/v2/;`,
          '    types { }',
          `    default_type ${OCI.indexType};`,
          '    add_header Docker-Content-Digest $sifhub_digest always;',
          cache(SHORT),
          '}',
        ]
      : []),
    ...v2File(`.+/blobs/${OCI.configDigest}`, OCI.configType, IMMUTABLE),
    `location ~ "^${escaped}/v2/(.+/blobs/sha256:[0-9a-f]{64})$" {`,
    ...blob,
    '}',
  ];
  const server = [
    header,
    '# Include inside the site\'s server {}, beside its listen, server_name and TLS settings.',
    ...(prefix ? [`location = ${prefix} { return 301 ${prefix}/; }`] : []),
    ...(isPrivate
      ? [
          '# access: private: every request passes the token check; a refusal asks browsers for basic authentication.',
          `location = ${prefix}/_sifhub/auth {`,
          '    internal;',
          '    js_content sifhub_auth.check;',
          '}',
          ...(options.sso
            ? [
                '# Single sign-on: asked by the token check for a request without a valid token.',
                `location = ${prefix}/_sifhub/sso {`,
                '    internal;',
                `    proxy_pass ${options.sso.auth};`,
                '    proxy_pass_request_body off;',
                '    proxy_set_header Content-Length "";',
                '    proxy_set_header X-Original-URI $request_uri;',
                '}',
              ]
            : []),
          `location = ${prefix}/_sifhub/401 {`,
          '    internal;',
          ...(options.sso?.login
            ? [`    return 302 ${options.sso.login}$request_uri;`]
            : [
                `    add_header WWW-Authenticate 'Basic realm="${realm}", charset="UTF-8"' always;`,
                '    default_type text/plain;',
                '    return 401 "This registry is private: send a token from `sifhub token add` (Authorization: Bearer TOKEN, or as the password of basic authentication).\\n";',
              ]),
          '}',
        ]
      : []),
    '# shub:// manifests (api/container/COLLECTION/NAME:TAG[@MD5]): JSON, looked up again soon.',
    ...json('/api/container/', false, shubAccess),
    ...(config.library !== undefined
      ? [
          '# library:// pulls: the image\'s JSON, the API version, and the image itself.',
          ...(redirects ? jsonRefusingArch('/v1/images/') : json('/v1/images/')),
          ...json('/version', true),
          ...imagefile,
          // The map is the build's, for nginx to read; it is no page.
          `location = ${prefix}${libraryPath.nginxMap()} { return 404; }`,
          `location = ${prefix}${libraryPath.nginxArchMap()} { return 404; }`,
          `location = ${prefix}${libraryPath.nginxPlatformMap()} { return 404; }`,
          `location = ${prefix}${libraryPath.nginxDigestMap()} { return 404; }`,
          `location = ${prefix}${libraryPath.nginxIndexMap()} { return 404; }`,
          ...(servesOras(config) ? oras : []),
        ]
      : []),
    '# Signer keys: apptainer verify and key pull ask GET /pks/lookup?op=get&search=0x<key ID or fingerprint>.',
    '# A search for one key gets that key alone (key pull refuses more); anything else, every key.',
    `location = ${prefix}/pks/lookup {`,
    ...guard,
    `    if ($arg_search ~* "^0x([0-9a-f]{16}|[0-9a-f]{40})$") { rewrite ^ ${prefix}/pks/by-id/$arg_search last; }`,
    `    alias ${dir}/pks/lookup;`,
    '    types { }',
    '    default_type application/pgp-keys;',
    cache(PAGES),
    '}',
    `location ^~ ${prefix}/pks/by-id/ {`,
    ...guard,
    `    alias ${dir}/pks/by-id/;`,
    '    types { }',
    '    default_type application/pgp-keys;',
    cache(PAGES),
    '}',
    '# Files whose names carry their content\'s hash never change.',
    `location ^~ ${prefix}/_astro/ {`,
    ...guard,
    `    alias ${dir}/_astro/;`,
    cache(IMMUTABLE),
    '}',
    '# Everything else: pages, the JSON API, the search index, the treemap\'s data.',
    `location ^~ ${prefix}/ {`,
    ...guard,
    `    alias ${dir}/;`,
    '    index index.html;',
    `    error_page 404 ${prefix}/404.html;`,
    cache(PAGES),
    '}',
    '',
  ].join('\n');
  return { http, server, ...(isPrivate ? { authScript: toNginxAuthScript(options.tokens, options.sso ? `${prefix}/_sifhub/sso` : undefined) } : {}) };
}
