import { describe, expect, it } from 'vitest';
import { addressProblem, toAllowedHosts } from '../../src/storage/allowed-hosts.ts';

// registry.yml's allowHosts: which non-public addresses an image host may have.
describe('addressProblem', () => {
  const allowed = toAllowedHosts(['storage.lab.example.edu', '10.20.0.0/16', 'fd00:1::/32']);

  it('lets a listed host name be private, unique-local or loopback, never link-local (cloud metadata)', () => {
    for (const address of ['10.1.2.3', '192.168.0.9', 'fd12::1', '127.0.0.1', '100.64.0.1']) expect(addressProblem('storage.lab.example.edu', address, allowed)).toBeUndefined();
    expect(addressProblem('Storage.Lab.Example.EDU', '10.1.2.3', allowed)).toBeUndefined();
    expect(addressProblem('storage.lab.example.edu', '169.254.169.254', allowed)).toMatch(/which is not public \(link-local\); registry\.yml's allowHosts lists storage\.lab\.example\.edu, which allows private and loopback addresses, and link-local ones only through an address range that contains 169\.254\.169\.254/);
  });

  it('lets any host inside a listed range be reached, IPv4-mapped spellings included, and nothing outside', () => {
    expect(addressProblem('minio.internal', '10.20.3.4', allowed)).toBeUndefined();
    expect(addressProblem('minio.internal', '::ffff:10.20.3.4', allowed)).toBeUndefined();
    expect(addressProblem('minio.internal', 'fd00:1::5', allowed)).toBeUndefined();
    expect(addressProblem('minio.internal', '10.21.0.1', allowed)).toMatch(/^host minio\.internal resolves to 10\.21\.0\.1, which is not public \(private\); images must be on a public host, or on an internal one registry\.yml's allowHosts lists/);
    expect(addressProblem('minio.internal', '127.0.0.1', allowed)).toContain('(loopback)');
  });

  it('passes public addresses whatever the list says, and refuses every non-public one without a list', () => {
    expect(addressProblem('example.org', '93.184.216.34', toAllowedHosts(undefined))).toBeUndefined();
    expect(addressProblem('storage.lab.example.edu', '10.1.2.3', toAllowedHosts(undefined))).toContain('not public (private)');
  });
});
