import type { PlatformImage, Version } from './types.ts';

// A tag may hold one image per architecture (its record's `platforms`): the image at its `url`,
// which shub:// and plain downloads get, and one more per other architecture, which oras://
// serves as an image index and library:// by the client's `?arch=`. Pure.

/** An image of a version with its architecture (unknown for a record that does not name it). */
export type ArchImage = Omit<PlatformImage, 'architecture'> & { architecture?: string };

/**
 * Every image of a version: the tag's own first, then each other architecture's, each with whether
 * it was taken back (a record's yanked or withdrawn covers them all; a README's listing, the one
 * image it names).
 */
function imagesOf(version: Version): ArchImage[] {
  const own: ArchImage = { url: version.url, sha256: version.sha256, md5: version.md5, size: version.size, architecture: version.architecture, retraction: version.retraction };
  return [own, ...(version.platforms ?? [])];
}

/** The version's images a client can be handed (not withdrawn). */
export function servedImagesOf(version: Version): ArchImage[] {
  return imagesOf(version).filter((image) => image.retraction?.kind !== 'withdrawn');
}

/** The ref a tag's image for one architecture is served at beside the tag's own (`1.0@arm64`): `@` is in no tag name. */
export function platformRef(ref: string, architecture: string): string {
  return `${ref}@${architecture}`;
}

/** Where another architecture's image's signatures are kept beside the tag's own (by its record's path). */
export function platformSignaturesKey(path: string, architecture: string): string {
  return `${path}#${architecture}`;
}
