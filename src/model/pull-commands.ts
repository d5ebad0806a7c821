import { parseReleaseAssetUrl } from '../github/urls.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { libraryPin, libraryPullCommand, orasUri, servesOras, shubUri, sregistryPullCommand } from '../site/urls.ts';
import { servedImagesOf } from './platforms.ts';
import type { Retraction, Version } from './types.ts';

// Which pull commands a tag's image shows, decided once: Apptainer, SingularityCE, sregistry-cli
// when it can reach the image, library:// when the registry serves it, and the pinned forms that
// keep pulling these exact bytes (only those for a yanked image). Pages print the result. Pure.

/** Where GitHub release downloads live unless registry.yml's repository names another server (Enterprise). */
const GITHUB_SERVER = 'https://github.com';

interface PullCommand {
  label: string;
  text: string;
}

export interface PullCommands {
  commands: PullCommand[];
  /** What the note under them says: why sregistry-cli has no command, or that only the pin pulls. */
  note: 'yanked' | 'sregistry-no-pin' | 'sregistry-no-redirect' | 'sregistry-names' | 'none';
}

export interface PullTarget {
  collection: string;
  container: string;
  tag: string;
  md5: string;
  sha256: string;
  imageUrl: string;
  /** A yanked image: the tag no longer resolves to it, only its exact pin pulls it. */
  pinnedOnly?: boolean;
}

export function toPullCommands(config: SiteConfig, target: PullTarget): PullCommands {
  const { collection, container, tag, md5, sha256, imageUrl } = target;
  const uri = shubUri(config, collection, container, { tag });
  const pinned = shubUri(config, collection, container, { tag, digest: md5 });
  const libraryPinned = config.library ? [{ label: 'library://, pinned', text: libraryPullCommand(config, collection, container, libraryPin(sha256)) }] : [];
  if (target.pinnedOnly) {
    return {
      commands: [{ label: 'Apptainer, pinned', text: `apptainer pull ${pinned}` }, { label: 'SingularityCE, pinned', text: `singularity pull ${pinned}` }, ...libraryPinned],
      note: 'yanked',
    };
  }
  // sregistry-cli sends a HEAD to the image without following redirects: a GitHub release download redirects.
  const servers = [GITHUB_SERVER, ...(config.repository ? [new URL(config.repository).origin] : [])];
  const redirects = servers.some((server) => parseReleaseAssetUrl(imageUrl, server) !== undefined);
  const sregistry = redirects ? undefined : sregistryPullCommand(config, collection, container, tag);
  return {
    commands: [
      { label: 'Apptainer', text: `apptainer pull ${uri}` },
      { label: 'SingularityCE', text: `singularity pull ${uri}` },
      ...(sregistry ? [{ label: 'sregistry-cli', text: sregistry }] : []),
      ...(config.library ? [{ label: 'library://', text: libraryPullCommand(config, collection, container, tag) }] : []),
      ...(servesOras(config) ? [{ label: 'oras://', text: `apptainer pull ${orasUri(config, collection, container, tag)}` }] : []),
      { label: 'Pinned (these exact bytes)', text: `apptainer pull ${pinned}` },
      ...libraryPinned,
    ],
    note: sregistry ? 'sregistry-no-pin' : redirects ? 'sregistry-no-redirect' : 'sregistry-names',
  };
}

/** One architecture's image of a tag that holds several, as its page lists it. */
export interface PlatformRow {
  architecture: string;
  size: number;
  sha256: string;
  url: string;
  /** The tag's own image (at its url): what shub:// and a plain download get. */
  own: boolean;
  retraction?: Retraction;
  commands: PullCommand[];
}

/**
 * The images of a tag of several architectures, each with the commands that pull it on any
 * machine (`--arch`): oras:// and library:// by tag where the host hands each client its own
 * architecture (`routes`, hosts/), and library://'s pin everywhere. Empty for a tag of one image.
 */
export function toPlatformRows(config: SiteConfig, target: Pick<PullTarget, 'collection' | 'container' | 'tag'>, version: Version, routes: boolean): PlatformRow[] {
  if (!version.platforms) return [];
  const { collection, container, tag } = target;
  return servedImagesOf(version).map((image) => {
    const arch = `--arch ${image.architecture}`;
    const resolves = !image.retraction;
    const commands = [
      ...(resolves && servesOras(config) ? [{ label: 'oras://', text: `apptainer pull ${arch} ${orasUri(config, collection, container, tag)}` }] : []),
      ...(resolves && routes ? [{ label: 'library://', text: libraryPullCommand(config, collection, container, tag).replace('apptainer pull ', `apptainer pull ${arch} `) }] : []),
      ...(config.library ? [{ label: 'library://, pinned', text: libraryPullCommand(config, collection, container, libraryPin(image.sha256)).replace('apptainer pull ', `apptainer pull ${arch} `) }] : []),
    ];
    return { architecture: image.architecture ?? 'unknown', size: image.size, sha256: image.sha256, url: image.url, own: image.sha256 === version.sha256, ...(image.retraction ? { retraction: image.retraction } : {}), commands };
  });
}

/** What the page says of a tag of several architectures: which pulls give each machine its own image (`routes`: library:// does, hosts/). */
export function platformNote(config: SiteConfig, own: string | undefined, routes: boolean): string {
  const routed = [servesOras(config) && 'oras://', routes && 'library://'].filter(Boolean).join(' and ');
  return [
    'This tag holds one image per architecture.',
    routed && `${routed} give${routed.includes(' and ') ? '' : 's'} each machine its own (add --arch to pull another machine's).`,
    config.library !== undefined && !routes && 'library:// on this host gives every machine the tag\'s own image: pull another architecture by its pin.',
    `shub://, sregistry-cli and the download link give the ${own ?? 'tag\'s own'} image.`,
  ].filter(Boolean).join(' ');
}
