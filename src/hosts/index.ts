import type { Site } from '../model/types.ts';
import type { LibraryRedirect, SiteConfig } from '../schema/site-config.ts';
import { servesOras } from '../site/urls.ts';
import { cloudflareHost } from './cloudflare.ts';
import type { LibraryHost } from './library-host.ts';
import { netlifyHost } from './netlify.ts';
import { nginxHost } from './nginx.ts';
import { s3WebsiteHost } from './s3-website.ts';
import { siteHost } from './site.ts';

// The library:// host forms by the name registry.yml gives them (`library:`).

const HOSTS: Record<LibraryRedirect, LibraryHost> = {
  nginx: nginxHost,
  netlify: netlifyHost,
  cloudflare: cloudflareHost,
  's3-website': s3WebsiteHost,
  site: siteHost,
};

export function libraryHost(form: LibraryRedirect): LibraryHost {
  return HOSTS[form];
}

/** Whether library:// hands each client the architecture it asks for (`?arch=`). */
export function routesArchitecture(config: Pick<SiteConfig, 'library'>): boolean {
  return config.library !== undefined && libraryHost(config.library).routesArchitecture;
}

/**
 * What a registry whose tags hold several architectures should know about its host: where
 * library:// cannot route on the client's architecture, every machine gets each tag's own image.
 */
export function platformHostProblem(site: Site): string | undefined {
  const { config } = site;
  if (config.library === undefined || routesArchitecture(config)) return undefined;
  const several = site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags.filter((t) => t.current.platforms).map((t) => `${t.collection}/${t.container}:${t.name}`)));
  if (several.length === 0) return undefined;
  const named = several.length > 3 ? `${several.slice(0, 3).join(', ')} and ${several.length - 3} more` : several.join(', ');
  return `${named} hold${several.length === 1 ? 's' : ''} several architectures, but library: ${config.library} cannot route on the architecture a client asks for: library:// hands every machine the tag's own image. Each other architecture pulls by its pin${servesOras(config) ? ' and by oras://' : ''}; library: nginx, netlify or cloudflare route library:// too.`;
}
