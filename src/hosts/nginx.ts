import { redirectTarget } from '../site/urls.ts';
import { libraryPath } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';
import { sitePathOf } from './site-path.ts';

// nginx: a map from each /v1/imagefile/… path to its image, which the server's configuration
// includes and answers with a 303 (README "Pulling with library://"). Read when nginx loads its
// configuration: a deploy is followed by a reload.

export const nginxHost: LibraryHost = {
  ...REDIRECTING,
  form: 'nginx',
  siteFiles: (config, library) => [{ path: libraryPath.nginxMap().slice(1), text: library.redirects.map((r) => `"${sitePathOf(config, r)}" "${redirectTarget(r.to)}";\n`).join('') }],
  hint: 'is the map included, and nginx reloaded since the deploy?',
};
