import type { SiteConfig } from '../schema/site-config.ts';

// The `sifhub submit` command a page or a contributor README shows: one that works for this
// registry as it stands (it names where the image goes, as submit requires), at the sifhub version
// that built the site, so what the contributor runs judges records as the registry's check does.
// Pure.

/** How an image gets to an https address for this registry: its bucket, its GitHub releases, or wherever the contributor hosts it. */
function uploadOption(config: Pick<SiteConfig, 'storage' | 'repository'>): string {
  if (config.storage) return '--upload s3';
  if (config.repository && new URL(config.repository).hostname === 'github.com') return '--upload github-release';
  return '--url https://WHERE-YOU-HOST/FILE.sif';
}

export function toSubmitCommand(config: Pick<SiteConfig, 'storage' | 'repository'>, reference: string, version: string): string {
  return `npx sifhub@${version} submit FILE.sif ${reference} ${uploadOption(config)}`;
}
