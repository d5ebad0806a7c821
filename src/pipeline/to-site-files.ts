import { toTreemapData } from '../model/sizes-page.ts';
import { toSearchNames } from '../model/search-names.ts';
import type { Site } from '../model/types.ts';
import { absoluteUrl, apiPath, filePath, href, libraryPath, pagePath } from '../site/urls.ts';
import { toRemoteConfig } from './to-library.ts';
import { escapeHtml } from '../site/html.ts';

// The files a site has beside its pages, for browsers and crawlers: the favicon, robots.txt and
// the sitemap (one file per 50,000 pages, the protocol's limit, under a sitemap index). Pure.

const SITEMAP_URLS = 50_000;

/** A box with three shelves: an image registry, drawn small enough to read at 16 px. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="2" width="28" height="28" rx="6" fill="#0969da"/><path d="M9 11h14M9 16h14M9 21h14" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>\n`;

/** Every page's site path, in the order a reader would meet them. */
function pagePaths(site: Site): string[] {
  const paths = [pagePath.home(), pagePath.collections(), pagePath.search(), pagePath.labels(), pagePath.topics(), pagePath.sizes(), pagePath.stars(), pagePath.downloads(), pagePath.about(), apiPath.schemas()];
  for (const collection of site.collections) {
    paths.push(pagePath.collection(collection.name));
    for (const container of collection.containers) {
      paths.push(pagePath.container(collection.name, container.name));
      for (const tag of container.tags) paths.push(pagePath.tag(collection.name, container.name, tag.name));
    }
  }
  for (const label of site.labels) if (label.slug) paths.push(pagePath.label(label.slug));
  for (const topic of site.topics) paths.push(pagePath.topic(topic.topic));
  return paths;
}


function urlset(urls: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.map((u) => `<url><loc>${escapeHtml(u)}</loc></url>`).join('\n')}\n</urlset>\n`;
}

export function toSiteFiles(site: Site): { path: string; text: string }[] {
  const { config } = site;
  const urls = pagePaths(site).map((p) => absoluteUrl(config, p));
  const files = [{ path: filePath.favicon().slice(1), text: FAVICON }];
  if (site.counts.containers > 0) {
    files.push({ path: filePath.treemapData().slice(1), text: JSON.stringify(toTreemapData(site)) });
    files.push({ path: filePath.searchNames().slice(1), text: JSON.stringify(toSearchNames(site)) });
  }
  if (urls.length <= SITEMAP_URLS) {
    files.push({ path: filePath.sitemap().slice(1), text: urlset(urls) });
  } else {
    const parts: string[] = [];
    for (let i = 0; i * SITEMAP_URLS < urls.length; i++) {
      parts.push(`sitemap-${i + 1}.xml`);
      files.push({ path: `sitemap-${i + 1}.xml`, text: urlset(urls.slice(i * SITEMAP_URLS, (i + 1) * SITEMAP_URLS)) });
    }
    const index = parts.map((p) => `<sitemap><loc>${escapeHtml(absoluteUrl(config, `/${p}`))}</loc></sitemap>`).join('\n');
    files.push({ path: filePath.sitemap().slice(1), text: `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${index}\n</sitemapindex>\n` });
  }
  // Signer keys, for apptainer verify and key pull (--url SITE, or the remote's keystoreAPI).
  for (const key of site.keys) files.push({ path: filePath.key(key.id, key.kind).slice(1), text: key.text.endsWith('\n') ? key.text : `${key.text}\n` });
  if (site.keyring) files.push({ path: filePath.keyLookup().slice(1), text: site.keyring });
  for (const key of site.keys.filter((k) => k.kind === 'pgp')) {
    for (const id of [key.id, key.id.slice(-16)]) for (const search of new Set([`0x${id}`, `0x${id.toLowerCase()}`])) files.push({ path: filePath.keyById(search).slice(1), text: key.text.endsWith('\n') ? key.text : `${key.text}\n` });
  }
  files.push({ path: libraryPath.config().slice(1), text: toRemoteConfig(config, site.keyring !== '') });
  // Crawlers read robots.txt only at a host's root: under a path prefix this one is for the
  // host's owner to merge, and the sitemap is also linked from every page's head.
  files.push({ path: filePath.robots().slice(1), text: `User-agent: *\nAllow: ${href(config, '/')}\nSitemap: ${absoluteUrl(config, filePath.sitemap())}\n` });
  return files;
}

