import { libraryPath, redirectTarget } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';
import { sitePathOf } from './site-path.ts';

// Netlify: a _redirects file at the site's root, one 303 per /v1/imagefile/… path.

export const netlifyHost: LibraryHost = {
  ...REDIRECTING,
  form: 'netlify',
  siteFiles: (config, library) => [{ path: libraryPath.netlifyRedirects().slice(1), text: library.redirects.map((r) => `${sitePathOf(config, r)} ${redirectTarget(r.to)} 303\n`).join('') }],
  hint: 'was _redirects deployed at the site\'s root?',
};
