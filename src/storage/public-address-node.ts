import ipaddr from 'ipaddr.js';

// Which addresses `sifhub verify` may connect to. Image URLs come from strangers' pull requests
// and are fetched on the CI runner: a URL must not reach the runner itself, its network or a
// cloud metadata service. ipaddr.js classifies addresses by IANA's special-purpose registries
// (tested against every entry of both); only ordinary public unicast passes. Two IPv6 forms are
// judged as the IPv4 address they carry, because that is where the connection goes: IPv4-mapped
// (::ffff:a.b.c.d) and the well-known NAT64 prefix (64:ff9b::/96, which an IPv6-only runner's
// DNS64 gives every IPv4-only host). Every other range that embeds IPv4 (local-use NAT64,
// 6to4, Teredo, IPv4-translated, IPv4-compatible) is refused outright.

const KIND: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  private: 'private',
  uniqueLocal: 'unique-local',
  reserved: 'reserved',
  benchmarking: 'benchmarking',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard-only',
  rfc6052: 'local-use NAT64',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
};

const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** The kind of a non-public address ("loopback", "private", …), or undefined when public. */
export function nonPublicKind(address: string): string | undefined {
  if (!ipaddr.isValid(address) || (!ipaddr.IPv4.isValidFourPartDecimal(address) && !ipaddr.IPv6.isValid(address))) return 'not an IP address';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return kindOf(parsed.range());
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return nonPublicKind(v6.toIPv4Address().toString());
  if (v6.match(NAT64_WELL_KNOWN)) return nonPublicKind(ipaddr.fromByteArray(v6.toByteArray().slice(12)).toString());
  const kind = kindOf(v6.range());
  if (kind) return kind;
  // Outside 2000::/3 nothing is allocated for hosts: IPv4-compatible ::a.b.c.d, 100:0:0:1::/64, …
  return v6.match(GLOBAL_UNICAST) ? undefined : 'not global unicast';
}

function kindOf(range: string): string | undefined {
  if (range === 'unicast') return undefined;
  return KIND[range] ?? `special-purpose (${range})`;
}
