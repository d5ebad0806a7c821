import { parseReleaseAssetUrl } from '../github/urls.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { libraryPin, libraryPullCommand, orasUri, servesOras, shubUri, sregistryPullCommand } from '../site/urls.ts';

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
  note: 'yanked' | 'sregistry-no-pin' | 'sregistry-no-redirect' | 'sregistry-names';
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
