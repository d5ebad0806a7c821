import type { LibraryRedirect } from '../schema/site-config.ts';
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
