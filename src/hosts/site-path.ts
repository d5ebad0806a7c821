import type { SiteConfig } from '../schema/site-config.ts';
import { absoluteUrl } from '../site/urls.ts';

/** A rule's path as the host sees it: under the site's path prefix, escaped as a URL path. */
export function sitePathOf(config: SiteConfig, rule: { path: string }): string {
  return new URL(absoluteUrl(config, `/${rule.path}`)).pathname;
}
