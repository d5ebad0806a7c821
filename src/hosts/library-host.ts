import type { Image } from '../model/types.ts';
import type { LibraryRedirect, SiteConfig } from '../schema/site-config.ts';

// How a host serves library:// pulls: the one interface each form (nginx, netlify, cloudflare,
// s3-website, site) implements in a module of its own, read by the build (the files it adds), the
// deploy (how it stores them) and the deployment check (how /v1/imagefile/… must answer). The
// pull path itself is the same everywhere (pipeline/to-library.ts). Pure.

export interface LibraryImage {
  /** Site path without the leading slash: v1/images/lab/tool:1.0 */
  path: string;
  json: { data: Record<string, unknown> };
  collection: string;
  /** One architecture's image of a tag that holds several: the tag's own path, which a client asking `?arch=` for it is routed from. */
  alternate?: PlatformAlternate;
}

/** A path served in place of `of` to a client that asks for `arch` (`?arch=`), where the host can route on it. */
interface PlatformAlternate {
  of: string;
  arch: string;
}

export interface LibraryRedirectRule {
  /** Site path without the leading slash: v1/imagefile/lab/tool:1.0 */
  path: string;
  /** Where the image is (the record's https URL). */
  to: string;
  /** The image, for a site that serves its bytes itself (`library: site`). */
  image: Image;
  /** The record that names it. */
  file: string;
  collection: string;
  alternate?: PlatformAlternate;
}

export interface Library {
  images: LibraryImage[];
  redirects: LibraryRedirectRule[];
}

export interface LibraryHost {
  form: LibraryRedirect;
  /** The image's JSON names its address (`location`), for a host whose code redirects from it. */
  locationInImageJson: boolean;
  /**
   * The host answers the client's `?arch=`: a tag of several architectures with the one asked
   * for, another architecture's image with a refusal. Elsewhere every client gets the tag's own.
   */
  routesArchitecture: boolean;
  /** Site-wide files the host reads: a redirect table, a worker (beside the API's config files). */
  siteFiles(config: SiteConfig, library: Library): { path: string; text: string }[];
  /** One file per /v1/imagefile/… path, owned by the image's collection (S3's redirect objects). */
  imagefileFiles(library: Library): { path: string; text: string; collection: string }[];
  /** The site serves each image's bytes itself: the build copies them in (and budgets them). */
  servesBytes: boolean;
  /** `sifhub deploy` stores each /v1/imagefile/… file as an S3 website redirect to its text. */
  deploysAsWebsiteRedirects: boolean;
  /** How /v1/imagefile/… answers once deployed: a redirect with this status, or the bytes. */
  answers: { redirect: 301 | 303 } | { bytes: true };
  /** What to look at when the deployed host answers otherwise (check-deployment). */
  hint: string;
}

/** The common case: the host redirects by rules the build writes, nothing per image. */
export const REDIRECTING: Pick<LibraryHost, 'locationInImageJson' | 'imagefileFiles' | 'servesBytes' | 'deploysAsWebsiteRedirects' | 'answers'> = {
  locationInImageJson: false,
  imagefileFiles: () => [],
  servesBytes: false,
  deploysAsWebsiteRedirects: false,
  answers: { redirect: 303 },
};
