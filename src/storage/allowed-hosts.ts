import ipaddr from 'ipaddr.js';
import { nonPublicKind } from './public-address-node.ts';

// registry.yml's `allowHosts`: the internal image hosts (an on-premises Ceph or MinIO) that the
// pull-request check, `mirror` and `library: site` may fetch from although their addresses are
// not public. An entry is a host name, which may then resolve to private, unique-local, shared
// (CGNAT) or loopback addresses, or an address range (CIDR), inside which any host may be. Link-
// local addresses (cloud metadata services) are reached only through a range that names them.
// Every address a host resolves to is judged, and the connection is pinned to one that passed,
// so a name that changes its answer (DNS rebinding) dials nothing that was not judged. Pure.

/** What a listed host name may resolve to besides public addresses. */
const NAMED_HOST_MAY_BE = new Set(['private', 'unique-local', 'shared (carrier-grade NAT)', 'loopback']);

export interface AllowedHosts {
  names: ReadonlySet<string>;
  ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export const NO_ALLOWED_HOSTS: AllowedHosts = { names: new Set(), ranges: [] };

/** Whether `entry` is an address range (CIDR) rather than a host name. */
function isAddressRange(entry: string): boolean {
  return entry.includes('/') && ipaddr.isValidCIDR(entry);
}

export function toAllowedHosts(entries: readonly string[] | undefined): AllowedHosts {
  const list = entries ?? [];
  return {
    names: new Set(list.filter((e) => !isAddressRange(e)).map((e) => e.toLowerCase())),
    ranges: list.filter(isAddressRange).map((e) => ipaddr.parseCIDR(e)),
  };
}

/**
 * Why `hostname`, resolved to `address`, may not be dialled, or undefined when it may: a public
 * address, one inside a listed range, or a listed host's internal address.
 */
export function addressProblem(hostname: string, address: string, allowed: AllowedHosts): string | undefined {
  const kind = nonPublicKind(address);
  if (kind === undefined) return undefined;
  if (kind !== 'not an IP address' && inRanges(address, allowed.ranges)) return undefined;
  if (allowed.names.has(hostname.toLowerCase()) && NAMED_HOST_MAY_BE.has(kind)) return undefined;
  const listed = allowed.names.has(hostname.toLowerCase()) ? `; registry.yml's allowHosts lists ${hostname}, which allows private and loopback addresses, and ${kind} ones only through an address range that contains ${address}` : `; images must be on a public host, or on an internal one registry.yml's allowHosts lists (its host name, or an address range such as 10.0.0.0/8)`;
  return `host ${hostname} resolves to ${address}, which is not public (${kind})${listed}`;
}

function inRanges(address: string, ranges: AllowedHosts['ranges']): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
}
