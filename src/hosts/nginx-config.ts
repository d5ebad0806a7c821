import type { SiteConfig } from '../schema/site-config.ts';
import { basePath, libraryPath } from '../site/urls.ts';
import { libraryHost } from './index.ts';

// The nginx configuration for a registry served from an institution's own server (`sifhub
// nginx-config`): one file for the admin's `http {}` (the library:// map, which nginx allows only
// there) and one for inside the admin's own `server {}`, which keeps listen, server_name and TLS.
// Every location is an exact prefix with its own alias, so the same text works at a host's root
// and under a path prefix. Pure.

/** How long a client may keep what changes with every merge (tags move) and what never does. */
const SHORT = 'public, max-age=60';
const PAGES = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface NginxConfig {
  /** For inside `http {}`. */
  http: string;
  /** For inside the site's `server {}`. */
  server: string;
}

/** `root`: the folder nginx serves the site from (with `sifhub deploy DIR`, DIR/current). */
export function toNginxConfig(config: SiteConfig, root: string): NginxConfig {
  const prefix = basePath(config);
  const dir = root.replace(/\/+$/, '');
  const redirects = config.library !== undefined && libraryHost(config.library).form === 'nginx';
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
        ]
      : ['# Nothing is needed here for this registry (registry.yml has no library: nginx).']),
    '',
  ].join('\n');
  // Files without an extension (shub manifests named NAME:TAG, the Library API's JSON) are JSON
  // whatever their names end in: `types {}` keeps nginx from guessing from a tag's ".0".
  const json = (location: string, exact = false) => [`location ${exact ? '=' : '^~'} ${prefix}${location} {`, `    alias ${dir}${location};`, '    types { }', '    default_type application/json;', `    add_header Cache-Control "${SHORT}" always;`, '}'];
  const server = [
    header,
    '# Include inside the site\'s server {}, beside its listen, server_name and TLS settings.',
    ...(prefix ? [`location = ${prefix} { return 301 ${prefix}/; }`] : []),
    '# shub:// manifests (api/container/COLLECTION/NAME:TAG[@MD5]): JSON, looked up again soon.',
    ...json('/api/container/'),
    ...(config.library !== undefined
      ? [
          '# library:// pulls: the image\'s JSON, the API version, and the image itself.',
          ...json('/v1/images/'),
          ...json('/version', true),
          ...(redirects
            ? [`location ^~ ${prefix}/v1/imagefile/ {`, '    if ($sifhub_image = "") { return 404; }', '    return 303 $sifhub_image;', '}']
            : [`location ^~ ${prefix}/v1/imagefile/ {`, `    alias ${dir}/v1/imagefile/;`, '    types { }', '    default_type application/octet-stream;', `    add_header Cache-Control "${SHORT}" always;`, '}']),
          // The map is the build's, for nginx to read; it is no page.
          `location = ${prefix}${libraryPath.nginxMap()} { return 404; }`,
        ]
      : []),
    '# Files whose names carry their content\'s hash never change.',
    `location ^~ ${prefix}/_astro/ {`,
    `    alias ${dir}/_astro/;`,
    `    add_header Cache-Control "${IMMUTABLE}" always;`,
    '}',
    '# Everything else: pages, the JSON API, the search index, the treemap\'s data.',
    `location ^~ ${prefix}/ {`,
    `    alias ${dir}/;`,
    '    index index.html;',
    `    error_page 404 ${prefix}/404.html;`,
    `    add_header Cache-Control "${PAGES}" always;`,
    '}',
    '',
  ].join('\n');
  return { http, server };
}
