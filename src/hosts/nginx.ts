import { fnv1aHex } from '../fnv1a.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { absoluteUrl, libraryPath, redirectTarget } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';
import { sitePathOf } from './site-path.ts';

// nginx: a map from each /v1/imagefile/… path to its image, which the server's configuration
// includes and answers with a 303 (`sifhub nginx-config`). nginx reads the map when it loads its
// configuration, so a deploy needs a reload; the map's last entry answers a probe path (no image
// name starts with a dot) with the map's own identity, which the build also puts in
// registry.json, so `check-deployment` can tell whether nginx serves the map that was deployed.

/** Where a redirect names no image but a map: never fetched, only compared. */
const MAP_ID_URL = 'https://sifhub.invalid/map/';

export const nginxHost: LibraryHost = {
  ...REDIRECTING,
  form: 'nginx',
  routesArchitecture: true,
  siteFiles: (config, library) => {
    const lines = library.redirects.map((r) => `"${sitePathOf(config, r)}" "${redirectTarget(r.to)}";\n`).join('');
    // Apptainer asks for its own architecture (?arch=): a tag of several is routed to that
    // architecture's image ("PATH@ARCH" → its path), and any other path is refused to a client
    // asking for an architecture it is not. A tag of several lists them, space-separated.
    const platforms = new Map<string, string[]>();
    for (const alternate of [...library.images, ...library.redirects]) {
      if (!alternate.alternate) continue;
      const { of, arch } = alternate.alternate;
      platforms.set(of, [...(platforms.get(of) ?? []), arch]);
    }
    const arches = library.images.flatMap((i) => {
      const arch = platforms.get(i.path)?.join(' ') ?? i.json.data.arch;
      if (typeof arch !== 'string') return [];
      return [i.path, i.path.replace(/^v1\/images\//, 'v1/imagefile/')].map((path) => `"${sitePathOf(config, { path })}" "${arch}";\n`);
    });
    const routes = [...library.images, ...library.redirects].flatMap((r) => (r.alternate ? [`"${sitePathOf(config, { path: r.alternate.of })}@${r.alternate.arch}" "${sitePathOf(config, r)}";\n`] : []));
    return [
      { path: libraryPath.nginxMap().slice(1), text: `${lines}"${mapProbePath(config)}" "${MAP_ID_URL}${fnv1aHex(lines)}";\n` },
      { path: libraryPath.nginxArchMap().slice(1), text: arches.join('') },
      { path: libraryPath.nginxPlatformMap().slice(1), text: routes.join('') },
    ];
  },
  hint: 'is the map included, and nginx reloaded since the deploy?',
};

/** The site path whose redirect names the map nginx has loaded. */
export function mapProbePath(config: Pick<SiteConfig, 'url'>): string {
  return new URL(absoluteUrl(config, `${libraryPath.imagefile('.sifhub', 'map')}`)).pathname;
}

/** The identity of a map the build wrote (its probe's answer), or undefined. */
export function nginxMapId(mapText: string): string | undefined {
  return mapText.slice(mapText.lastIndexOf(MAP_ID_URL)).match(/^https:\/\/sifhub\.invalid\/map\/([0-9a-f]{8})/)?.[1];
}

/** The identity in a probe's Location, or undefined. */
export function mapIdOfLocation(location: string | null): string | undefined {
  return location?.startsWith(MAP_ID_URL) ? location.slice(MAP_ID_URL.length) : undefined;
}
