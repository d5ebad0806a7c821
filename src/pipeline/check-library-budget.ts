import type { Problem } from '../errors.ts';
import { LIBRARY_SITE_LIMITS, type SiteConfig } from '../schema/site-config.ts';
import { formatBytes } from '../site/format.ts';
import type { LibraryRedirectRule } from '../hosts/library-host.ts';

// `library: site` copies every image into the site, once per path that serves it (a host that
// uploads the site as an archive, GitHub Pages, stores each path as a file of its own). So one
// small record can add gigabytes: to the Pages upload, or to the build machine's disk. Both are
// judged here, in the plan, so the pull request that adds the bytes fails, never the publish.

export function checkLibrarySiteBudget(config: SiteConfig, rules: readonly LibraryRedirectRule[], configFile: string): Problem[] {
  if (rules.length === 0) return [];
  const maxImage = config.librarySite?.maxImage ?? LIBRARY_SITE_LIMITS.maxImage;
  const maxTotal = config.librarySite?.maxTotal ?? LIBRARY_SITE_LIMITS.maxTotal;
  const problems: Problem[] = [];
  const byFile = new Map<string, number>();
  const tooLarge = new Set<string>();
  let total = 0;
  for (const rule of rules) {
    total += rule.image.size;
    byFile.set(rule.file, (byFile.get(rule.file) ?? 0) + rule.image.size);
    if (rule.image.size > maxImage && !tooLarge.has(`${rule.file} ${rule.image.sha256}`)) {
      tooLarge.add(`${rule.file} ${rule.image.sha256}`);
      problems.push({
        file: rule.file,
        field: 'size',
        message: `the image ${rule.image.sha256.slice(0, 12)}… is ${formatBytes(rule.image.size)}, over the ${formatBytes(maxImage)} an image may have when the site serves it itself (library: site); serve it from a host that redirects, or raise librarySite.maxImage in registry.yml`,
      });
    }
  }
  if (total > maxTotal) {
    const largest = [...byFile].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3);
    problems.push({
      file: configFile,
      field: 'library',
      message: `library: site would put ${formatBytes(total)} of images in the site (each path that serves one is a copy), over its budget of ${formatBytes(maxTotal)}; the most: ${largest.map(([file, bytes]) => `${file} (${formatBytes(bytes)})`).join(', ')}. Serve images from a host that redirects (library: nginx, netlify, cloudflare, s3-website), or raise librarySite.maxTotal in registry.yml`,
    });
  }
  return problems;
}
