import { filePath, libraryPath, redirectTarget } from '../site/urls.ts';
import { REDIRECTING, type LibraryHost } from './library-host.ts';
import { sitePathOf } from './site-path.ts';

// Netlify: a _redirects file at the site's root, one 303 per /v1/imagefile/… path.

export const netlifyHost: LibraryHost = {
  ...REDIRECTING,
  form: 'netlify',
  siteFiles: (config, library) => {
    const lookup = sitePathOf(config, { path: filePath.keyLookup().slice(1) });
    const byId = sitePathOf(config, { path: filePath.keyById(':search').slice(1) }).replace('%3Asearch', ':search');
    return [
      {
        path: libraryPath.netlifyRedirects().slice(1),
        text:
          library.redirects.map((r) => `${sitePathOf(config, r)} ${redirectTarget(r.to)} 303\n`).join('') +
          // A signer key lookup for one key gets that key alone (apptainer key pull refuses more);
          // forced, since the file holding every key is at the same path.
          `${lookup} search=:search ${byId} 200!\n`,
      },
    ];
  },
  hint: 'was _redirects deployed at the site\'s root?',
};
