import { BlockList, isIP } from 'node:net';

// Which addresses `sifhub verify` may connect to. Image URLs come from strangers' pull requests
// and are fetched on the CI runner: a URL must not reach the runner itself, its network or a
// cloud metadata service. So only public unicast addresses pass; IPv4 embedded in IPv6
// (::ffff:127.0.0.1, 64:ff9b::7f00:1) is judged as the IPv4 address it carries.

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['2001::', 23], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The kind of a non-public address ("loopback", "private", …), or undefined when public. */
export function nonPublicKind(address: string): string | undefined {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  if (version === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded) return nonPublicKind(embedded);
    if (blocked.check(address, 'ipv6')) return kindOf6(address);
    return undefined;
  }
  return blocked.check(address, 'ipv4') ? kindOf4(address) : undefined;
}

function kindOf4(address: string): string {
  const [a, b] = address.split('.').map(Number) as [number, number];
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b < 128) return 'shared (carrier-grade NAT)';
  if (a >= 224) return 'multicast or reserved';
  return 'reserved';
}

function kindOf6(address: string): string {
  const groups = expand6(address);
  const first = parseInt(groups[0]!, 16);
  if (groups.join(':') === '0000:0000:0000:0000:0000:0000:0000:0001') return 'loopback';
  if ((first & 0xfe00) === 0xfc00) return 'unique-local';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  return 'reserved';
}

/** ::ffff:a.b.c.d, ::ffff:XXXX:XXXX, ::a.b.c.d and 64:ff9b::/96 → "a.b.c.d". */
function embeddedIpv4(address: string): string | undefined {
  const groups = expand6(address);
  const head = groups.slice(0, 6).join(':');
  const mapped = head === '0000:0000:0000:0000:0000:ffff';
  const compatible = head === '0000:0000:0000:0000:0000:0000' && groups[6] !== '0000';
  const nat64 = head === '0064:ff9b:0000:0000:0000:0000';
  if (!mapped && !compatible && !nat64) return undefined;
  const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/** Eight 4-digit groups; a trailing dotted IPv4 part becomes two groups. */
function expand6(address: string): string[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const fill = right === undefined ? [] : Array(8 - l.length - r.length).fill('0');
  return [...l, ...fill, ...r].map((g) => g.padStart(4, '0'));
}
