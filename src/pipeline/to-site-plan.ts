import type { Problem } from '../errors.ts';
import type { Site } from '../model/types.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { apiJsonSchemas, toCompactJsonText, toJsonText } from '../schema/json-schema.ts';
import { apiPath, libraryPath, servesOras } from '../site/urls.ts';
import { sitePathOf } from '../hosts/site-path.ts';
import { nginxMapId } from '../hosts/nginx.ts';
import { netlifyHeaders } from '../hosts/netlify.ts';
import { toApi } from './to-api.ts';
import { libraryHost } from '../hosts/index.ts';
import type { LibraryRedirectRule } from '../hosts/library-host.ts';
import { toImagefileFiles, toLibrary, toLibrarySiteFiles } from './to-library.ts';
import { toManifests } from './to-manifests.ts';
import { toOci, type OciTree } from './to-oci.ts';
import { toShpc } from './to-shpc.ts';
import { toSiteFiles } from './to-site-files.ts';
import { checkLibrarySiteBudget } from './check-library-budget.ts';

// The site plan (DESIGN §2): from the model, every file the build writes besides the pages and
// the search index, which collection owns each, and every problem that stops the build. Pure.
// `validate` (the pull-request check) computes it and writes nothing; `build` writes it. So the
// check refuses exactly what the build refuses: a refusal lives here, or in the records' checks
// before the model, and nowhere else.

export type PlannedKind = 'manifest' | 'library' | 'api';

interface PlannedFile {
  /** Site path without the leading slash. */
  path: string;
  text: string;
  kind: PlannedKind;
  /** The collection whose output it is (rebuilt with it, reused with it); none: the site's. */
  collection?: string;
}

/** An image whose bytes the site itself serves (`library: site`), at `rule.path`. */
type PlannedImage = LibraryRedirectRule;

export interface SitePlan {
  files: PlannedFile[];
  images: PlannedImage[];
  problems: Problem[];
}

export function toSitePlan(site: Site): SitePlan {
  const { config } = site;
  const manifests = toManifests(site);
  const library = config.library === undefined ? undefined : toLibrary(site);
  // oras:// needs a host that redirects (or serves the bytes), the same forms as library://, and
  // the site at its host's root, where clients ask for /v2/.
  const oci = library && servesOras(config) ? toOci(site) : undefined;
  if (library && oci) library.redirects.push(...oci.blobs);
  const files: PlannedFile[] = [
    ...manifests.files.map((m) => lazyFile(m.path, 'manifest', m.manifest.collection, () => toCompactJsonText(m.manifest))),
    ...(library
      ? [
          ...library.images.map((i) => lazyFile(i.path, 'library', i.collection, () => toCompactJsonText(i.json))),
          ...toImagefileFiles(config, library).map((r): PlannedFile => ({ ...r, kind: 'library' })),
          ...(oci?.files ?? []).map((f): PlannedFile => ({ ...f, kind: 'library' })),
          ...(oci ? toShpc(site, oci.tagDigests) : []).map((f): PlannedFile => ({ ...f, kind: 'api' })),
          ...(oci && config.library === 'nginx' ? toNginxOciMaps(config, oci) : []),
          ...(oci && config.library === 'netlify' && oci.indexPaths.size > 0 ? [{ path: libraryPath.netlifyHeaders().slice(1), text: netlifyHeaders(config, oci.indexPaths), kind: 'library' as const }] : []),
        ]
      : []),
    ...toApi(site).map((a) => lazyFile(a.path, 'api', a.collection, () => toCompactJsonText(a.json))),
    ...Object.entries(apiJsonSchemas()).map(([name, schema]): PlannedFile => ({ path: apiPath.schema(name).slice(1), text: toJsonText(schema), kind: 'api' })),
    ...toSiteFiles(site).map((f): PlannedFile => ({ ...f, kind: 'api' })),
    ...(library ? toLibrarySiteFiles(config, library).map((f): PlannedFile => ({ ...f, kind: 'api' })) : []),
  ];
  const images = library && config.library !== undefined && libraryHost(config.library).servesBytes ? library.redirects : [];
  withNginxMapId(files);
  return { files, images, problems: [...manifests.problems, ...checkLibrarySiteBudget(config, images, site.configFile)] };
}

/**
 * A file whose text is made when first read: a rebuild writes only the collections that changed,
 * so the JSON of every other collection's manifests and API is never serialised (at 10,000 tags,
 * most of a one-record rebuild's garbage).
 */
function lazyFile(path: string, kind: PlannedKind, collection: string | undefined, make: () => string): PlannedFile {
  let text: string | undefined;
  return {
    path,
    kind,
    ...(collection === undefined ? {} : { collection }),
    get text() {
      return (text ??= make());
    },
  };
}

/** registry.json names the nginx map the build wrote, for check-deployment to compare with what nginx loaded. */
function withNginxMapId(files: PlannedFile[]): void {
  const map = files.find((f) => f.path === libraryPath.nginxMap().slice(1));
  const id = map && nginxMapId(map.text);
  const at = files.findIndex((f) => f.path === apiPath.registry().slice(1));
  if (id === undefined || at === -1) return;
  const registry = files[at]!;
  const json = JSON.parse(registry.text) as { library?: Record<string, unknown> };
  if (json.library) json.library.map = id;
  files[at] = { path: registry.path, kind: registry.kind, ...(registry.collection === undefined ? {} : { collection: registry.collection }), text: toCompactJsonText(json) };
}

/**
 * What nginx needs to serve the OCI tree as a registry does: each manifest's digest (sent as
 * Docker-Content-Digest) and which manifests are image indexes, each served from an internal
 * location with the index's media type (nginx cannot type one path of a folder otherwise).
 */
function toNginxOciMaps(config: SiteConfig, oci: OciTree): PlannedFile[] {
  const sitePath = (path: string) => sitePathOf(config, { path });
  const internal = (path: string) => `${libraryPath.nginxIndexLocation()}/${path}`.slice(1);
  const digests = [...oci.manifestDigests].flatMap(([path, digest]) => [path, ...(oci.indexPaths.has(path) ? [internal(path)] : [])].map((p) => `"${sitePath(p)}" "${digest}";\n`));
  return [
    { path: libraryPath.nginxDigestMap().slice(1), text: digests.join(''), kind: 'library' },
    { path: libraryPath.nginxIndexMap().slice(1), text: [...oci.indexPaths].map((path) => `"${sitePath(path)}" "${sitePath(internal(path))}";\n`).join(''), kind: 'library' },
  ];
}
