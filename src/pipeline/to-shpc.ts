import { stringify } from 'yaml';
import type { Site } from '../model/types.ts';
import { absoluteUrl, pagePath, shpcPath } from '../site/urls.ts';

// Singularity Registry HPC (shpc) installs containers as environment modules from a registry's
// `library.json`: shpc reads it at https://ORG.github.io/REPO/library.json for a registry
// https://github.com/ORG/REPO (GitLab: https://NS.pages.HOST/REPO/). Each module (`lab/tool`)
// has its container.yaml as JSON: the oras:// repository, and every tag pinned by the manifest
// digest the site serves, so an installed module keeps pulling the same bytes. shpc's schema
// allows no other keys. Pure.

interface ShpcConfig {
  oras: string;
  url: string;
  maintainer: string;
  description: string;
  latest: Record<string, string>;
  tags: Record<string, string>;
  aliases?: Record<string, string>;
  features?: Record<string, boolean>;
}

export function toShpc(site: Site, tagDigests: ReadonlyMap<string, ReadonlyMap<string, string>>): { path: string; text: string; collection?: string }[] {
  const { config } = site;
  const host = new URL(config.url).host;
  const library: Record<string, { config_url: string; config: ShpcConfig }> = {};
  const files: { path: string; text: string; collection?: string }[] = [];
  for (const collection of site.collections) {
    for (const container of collection.containers) {
      const repository = `${collection.name}/${container.name}`;
      const digests = tagDigests.get(repository);
      const latest = container.latest && container.latest !== 'latest' ? container.latest : 'latest';
      const latestDigest = digests?.get(latest) ?? digests?.get('latest');
      if (!digests || !latestDigest) continue; // nothing to install: every tag yanked or withdrawn
      const tags = Object.fromEntries([...digests].filter(([tag]) => tag !== 'latest' || container.tags.some((t) => t.name === 'latest')).sort(([a], [b]) => a.localeCompare(b)));
      const aliases = { ...collection.record.shpc?.aliases, ...container.record.shpc?.aliases };
      const features = { ...collection.record.shpc?.features, ...container.record.shpc?.features };
      const entry: ShpcConfig = {
        oras: `${host}/${repository}`,
        url: absoluteUrl(config, pagePath.container(collection.name, container.name)),
        maintainer: (collection.record.owners ?? []).map((o) => `@${o}`).join(', ') || config.contact || config.name,
        description: container.record.summary ?? collection.record.summary ?? repository,
        latest: { [latest]: latestDigest },
        tags,
        ...(Object.keys(aliases).length > 0 ? { aliases } : {}),
        ...(Object.keys(features).length > 0 ? { features } : {}),
      };
      const configPath = shpcPath.containerYaml(collection.name, container.name);
      library[repository] = { config_url: absoluteUrl(config, configPath), config: entry };
      files.push({ path: configPath.slice(1), text: stringify(entry), collection: collection.name });
    }
  }
  files.push({ path: shpcPath.library().slice(1), text: `${JSON.stringify(library, null, 1)}\n` });
  return files;
}
