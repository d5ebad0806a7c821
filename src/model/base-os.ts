// The automatic base-OS topic: which distribution an image is built on, from the bootstrap
// agent and the `From:` line of its definition file, or from /etc/os-release when the record
// has it (that is what is really inside). Pure.

/** Names an image reference or an os-release ID may use → the topic. */
const DISTRIBUTIONS = toMap({
  ubuntu: 'ubuntu',
  debian: 'debian',
  alpine: 'alpine',
  busybox: 'busybox',
  centos: 'centos',
  'centos-stream': 'centos',
  rockylinux: 'rocky',
  rocky: 'rocky',
  almalinux: 'almalinux',
  fedora: 'fedora',
  opensuse: 'opensuse',
  leap: 'opensuse',
  tumbleweed: 'opensuse',
  'opensuse-leap': 'opensuse',
  'opensuse-tumbleweed': 'opensuse',
  sles: 'suse',
  rhel: 'rhel',
  ubi: 'rhel',
  ubi8: 'rhel',
  ubi9: 'rhel',
  ubi10: 'rhel',
  'ubi-minimal': 'rhel',
  oraclelinux: 'oraclelinux',
  ol: 'oraclelinux',
  amazonlinux: 'amazonlinux',
  amzn: 'amazonlinux',
  archlinux: 'archlinux',
  arch: 'archlinux',
  gentoo: 'gentoo',
  stage3: 'gentoo',
  clearlinux: 'clearlinux',
  'clear-linux-os': 'clearlinux',
  nixos: 'nixos',
  void: 'void',
  voidlinux: 'void',
  photon: 'photon',
  mageia: 'mageia',
  scientificlinux: 'scientificlinux',
  sl: 'scientificlinux',
  wolfi: 'wolfi',
  chainguard: 'wolfi',
  distroless: 'debian',
});

/** Release code names, as found in tags such as `python:3.12-slim-bookworm`. */
const CODENAMES = toMap({
  trixie: 'debian',
  bookworm: 'debian',
  bullseye: 'debian',
  buster: 'debian',
  stretch: 'debian',
  jessie: 'debian',
  noble: 'ubuntu',
  jammy: 'ubuntu',
  focal: 'ubuntu',
  bionic: 'ubuntu',
  xenial: 'ubuntu',
  trusty: 'ubuntu',
});

/** Names too short or too common to mean a distribution inside a tag (`multi-arch`, `sl`). */
const UNTRUSTED_IN_TAGS = new Set(['arch', 'sl', 'ol', 'ubi', 'leap', 'void', 'stage3', 'photon']);

/** Agents that build the root file system with a distribution's own tool. */
const AGENT_DISTRIBUTION = toMap({
  arch: 'archlinux',
  busybox: 'busybox',
});

/** Agents whose `From:` is an image reference (registry/path/name:tag). */
const REFERENCE_AGENTS = new Set(['docker', 'library', 'shub', 'oras', 'docker-daemon', 'oci', 'oci-archive', 'docker-archive']);

/**
 * `docker` + `ubuntu:22.04` → "ubuntu"; `library` + `alpine:3.9` → "alpine";
 * `localimage` (or anything unknown) → undefined.
 */
export function toBaseOs(bootstrap: string | undefined, from: string | undefined): string | undefined {
  const agent = bootstrap?.trim().toLowerCase();
  if (!agent) return undefined;
  if (AGENT_DISTRIBUTION.has(agent)) return AGENT_DISTRIBUTION.get(agent);
  if (!REFERENCE_AGENTS.has(agent) || !from) return undefined;
  const reference = parseReference(from);
  if (!reference) return undefined;
  return DISTRIBUTIONS.get(reference.name) ?? distributionInTag(reference.tag);
}

/** An os-release ID ("rocky", "opensuse-leap") → the topic; unknown IDs are kept as they are. */
export function toOsTopic(id: string): string | undefined {
  const key = id.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{0,49}$/.test(key)) return undefined;
  return DISTRIBUTIONS.get(key) ?? key.replace(/[._]/g, '-');
}

interface Reference {
  /** The last path component without its tag, lower-cased: "cuda" for nvidia/cuda:12.2. */
  name: string;
  tag: string;
}

function parseReference(from: string): Reference | undefined {
  let ref = from.trim().split(/\s+/)[0]!.toLowerCase();
  ref = ref.replace(/^[a-z-]+:\/\//, '');
  const [withoutDigest] = ref.split('@') as [string];
  const last = withoutDigest.split('/').filter(Boolean).at(-1);
  if (!last) return undefined;
  const colon = last.indexOf(':');
  const name = colon === -1 ? last : last.slice(0, colon);
  const tag = colon === -1 ? '' : last.slice(colon + 1);
  return { name, tag };
}

/** `12.2.0-devel-ubuntu22.04` → "ubuntu"; `3.12-slim-bookworm` → "debian"; `3.19` → undefined. */
function distributionInTag(tag: string): string | undefined {
  for (const word of tag.split(/[^a-z]+/)) {
    if (!word) continue;
    const found = CODENAMES.get(word) ?? (UNTRUSTED_IN_TAGS.has(word) ? undefined : DISTRIBUTIONS.get(word));
    if (found) return found;
  }
  return undefined;
}

// Maps, not object lookups: `From: constructor` must not find Object.prototype.constructor.
function toMap(entries: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(entries));
}
