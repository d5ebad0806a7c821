import { filePath, libraryPath, OCI, redirectTarget } from '../site/urls.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';
import { sitePathOf } from './site-path.ts';

// Netlify: a _redirects file at the site's root, one 303 per /v1/imagefile/… path, and for a tag of
// several architectures, rules on the client's `?arch=`.

export const netlifyHost: LibraryHost = {
  ...REDIRECTING,
  form: 'netlify',
  routesArchitecture: true,
  siteFiles: (config, library) => {
    const lookup = sitePathOf(config, { path: filePath.keyLookup().slice(1) });
    const byId = sitePathOf(config, { path: filePath.keyById(':search').slice(1) }).replace('%3Asearch', ':search');
    // A tag of several architectures: the client's (?arch=) image first, any other architecture
    // refused; Netlify takes the first rule that matches, so these come before the tag's own.
    const refusal = sitePathOf(config, { path: libraryPath.netlifyNoArchitecture().slice(1) });
    const routed = new Set<string>();
    const platforms = [...library.images, ...library.redirects].flatMap((r) => {
      if (!r.alternate) return [];
      routed.add(r.alternate.of);
      const from = `${sitePathOf(config, { path: r.alternate.of })} arch=${r.alternate.arch}`;
      return ['to' in r ? `${from} ${redirectTarget(r.to)} 303\n` : `${from} ${sitePathOf(config, r)} 200!\n`];
    });
    const refusals = [...routed].map((of) => `${sitePathOf(config, { path: of })} arch=:arch ${refusal} 404!\n`);
    return [
      ...(routed.size > 0 ? [{ path: libraryPath.netlifyNoArchitecture().slice(1), text: `${JSON.stringify({ error: { code: 404, message: 'no image of this tag for the architecture asked for' } })}\n` }] : []),
      {
        path: libraryPath.netlifyRedirects().slice(1),
        text:
          platforms.join('') +
          refusals.join('') +
          library.redirects.map((r) => `${sitePathOf(config, r)} ${redirectTarget(r.to)} 303\n`).join('') +
          // A signer key lookup for one key gets that key alone (apptainer key pull refuses more);
          // forced, since the file holding every key is at the same path.
          `${lookup} search=:search ${byId} 200!\n`,
      },
    ];
  },
  hint: 'was _redirects deployed at the site\'s root?',
};

/**
 * Netlify's `_headers`: each oras:// image index (a tag of several architectures) with its media
 * type, which alone tells a client an index from an image. Other manifests go out untyped, which
 * clients read as an image manifest.
 */
export function netlifyHeaders(config: SiteConfig, indexPaths: Iterable<string>): string {
  return [...indexPaths].map((path) => `${sitePathOf(config, { path })}\n  Content-Type: ${OCI.indexType}\n`).join('');
}
