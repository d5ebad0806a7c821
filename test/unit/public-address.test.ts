import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { nonPublicKind } from '../../src/storage/public-address-node.ts';

// The addresses `sifhub verify` refuses to dial, held against IANA's special-purpose address
// registries (test/fixtures/iana/, the CSVs IANA publishes) and the IPv6 spellings of IPv4 that
// reach a loopback or private address.

/** IANA's CSV: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  return rows;
}

/** Every block of a registry ("192.0.0.0/24 [2]" → 192.0.0.0/24), with its name. */
function blocks(file: string): { cidr: string; name: string }[] {
  const [, ...rows] = parseCsv(readFileSync(new URL(`../fixtures/iana/${file}`, import.meta.url), 'utf8'));
  return rows.flatMap(([block, name]) => block!.split(',').map((cidr) => ({ cidr: cidr.replace(/\[\d+\]/g, '').trim(), name: name! })));
}

/** The first, second (when the block has one) and last address of a block. */
function samples(cidr: string): string[] {
  const [address, bits] = ipaddr.parseCIDR(cidr);
  const family = address.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
  const first = family.networkAddressFromCIDR(cidr).toByteArray();
  const last = family.broadcastAddressFromCIDR(cidr).toByteArray();
  const second = [...first.slice(0, -1), first.at(-1)! + 1];
  const single = bits === first.length * 8;
  return (single ? [first] : [first, second, last]).map((bytes) => ipaddr.fromByteArray(bytes).toString());
}

describe('nonPublicKind against IANA\'s special-purpose registries', () => {
  const v4 = blocks('iana-ipv4-special-registry-1.csv');
  const v6 = blocks('iana-ipv6-special-registry-1.csv');

  it('reads every entry of both registries', () => {
    expect(v4.length).toBe(26);
    expect(v6.length).toBe(25);
  });

  it.each([...v4, ...v6].map((b) => [b.cidr, b.name]))('refuses %s (%s), first, second and last address', (cidr) => {
    const allowed = samples(cidr).filter((address) => nonPublicKind(address) === undefined);
    expect(allowed).toEqual([]);
  });
});

describe('nonPublicKind', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['2606:4700:4700::1111', undefined],
    ['140.82.112.3', undefined],
    ['172.32.0.1', undefined],
    // The well-known NAT64 prefix reaches the IPv4 address it carries: judged as that address.
    ['64:ff9b::8.8.8.8', undefined],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['192.168.1.1', 'private'],
    ['172.31.255.255', 'private'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    // IPv6 ranges that embed IPv4 and were dialled before: refused whatever they carry.
    ['::ffff:0:127.0.0.1', 'IPv4-translated'],
    ['::ffff:0:8.8.8.8', 'IPv4-translated'],
    ['64:ff9b:1::7f00:1', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4'],
    ['2002:808:808::1', '6to4'],
    ['2001:0:7f00:1::1', 'Teredo'],
    ['4000::1', 'not global unicast'],
    ['not-an-ip', 'not an IP address'],
    ['127.1', 'not an IP address'],
  ])('%s → %s', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });
});
