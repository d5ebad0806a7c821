import { redirectTarget } from '../site/urls.ts';
import type { LibraryHost } from './library-host.ts';

// An S3 bucket's website endpoint: `sifhub deploy` stores each /v1/imagefile/… path as an object
// carrying x-amz-website-redirect-location (its text is the target), which only the website
// endpoint turns into a redirect, a 301 (Apptainer 1.2 and later follow it; 1.0 and 1.1 do not).

export const s3WebsiteHost: LibraryHost = {
  form: 's3-website',
  routesArchitecture: false,
  locationInImageJson: false,
  siteFiles: () => [],
  imagefileFiles: (library) => library.redirects.map((r) => ({ path: r.path, text: `${redirectTarget(r.to)}\n`, collection: r.collection })),
  servesBytes: false,
  deploysAsWebsiteRedirects: true,
  answers: { redirect: 301 },
  hint: 'is this the bucket\'s website endpoint?',
};
