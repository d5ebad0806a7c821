import type { LibraryHost } from './library-host.ts';

// Any host, GitHub Pages too: the build copies each image into the site at every
// /v1/imagefile/… path that serves it (pipeline/library-images-fs.ts), within the byte budget
// registry.yml allows (pipeline/check-library-budget.ts), and the host serves the bytes.

export const siteHost: LibraryHost = {
  form: 'site',
  routesArchitecture: false,
  locationInImageJson: false,
  siteFiles: () => [],
  imagefileFiles: () => [],
  servesBytes: true,
  deploysAsWebsiteRedirects: false,
  answers: { bytes: true },
  hint: 'was every file under v1/imagefile/ deployed?',
};
