import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { tagRecord, TempRepo, type Image } from '../helpers/git-repo.ts';

// `sifhub verify` against a real HTTPS server on 127.0.0.1 that answers right and wrong.

const SIF = await readFile(new URL('../fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif', import.meta.url));
const claim = (bytes: Buffer, url: string): Image => ({
  url,
  size: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
});
const ARM = await readFile(new URL('../fixtures/sif/sce-3.8.1_busybox_arm64_signed.sif', import.meta.url));
const OTHER = Buffer.from(SIF).fill(7, 4096, 8192); // same size, other bytes
const NOT_SIF = Buffer.alloc(4096, 'x');

let server: https.Server;
let base: string;
let certDir: string;
const open: Set<http.ServerResponse> = new Set();

/** Every path asked for, to tell what was dialled. */
const asked: string[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  asked.push(req.url ?? '');
  open.add(res);
  res.on('close', () => open.delete(res));
  const send = (bytes: Buffer, headers: Record<string, string | number> = {}) => {
    res.writeHead(200, { 'content-length': bytes.length, ...headers });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  };
  switch (req.url) {
    case '/good.sif': case '/good.sif?mirror=1': case '/good.sif?mirror=2': return send(SIF);
    case '/other.sif': return send(OTHER);
    case '/arm.sif': return send(ARM);
    case '/notsif.bin': return send(NOT_SIF);
    case '/lying-size.sif': // HEAD claims the recorded size; GET sends half
      if (req.method === 'HEAD') return send(SIF);
      res.writeHead(200, { 'content-length': SIF.length });
      res.end(SIF.subarray(0, SIF.length / 2));
      return void res.destroy();
    case '/wrong-size.sif': return send(SIF.subarray(0, 1000));
    case '/redirect.sif':
      res.writeHead(302, { location: '/good.sif' });
      return void res.end();
    // A GitHub release download, as github.com answers it: a redirect to the asset host.
    case '/lab/registry/releases/download/sif-lab/tool-0123456789abcdef.sif':
      res.writeHead(302, { location: `${base}/github-production-release-asset/123?X-Amz-Signature=abc` });
      return void res.end();
    case '/github-production-release-asset/123?X-Amz-Signature=abc': return send(SIF);
    case '/lab/registry/releases/download/sif-lab/loop.sif':
      res.writeHead(302, { location: '/lab/registry/releases/download/sif-lab/loop.sif' });
      return void res.end();
    case '/lab/registry/releases/download/sif-lab/plain-http.sif':
      res.writeHead(302, { location: 'http://downloads.example.org/tool.sif' });
      return void res.end();
    case '/huge.sif': // HEAD tells the recorded size; GET streams on and on
      if (req.method === 'HEAD') return send(SIF);
      res.writeHead(200);
      for (let i = 0; i < 4; i++) res.write(SIF);
      return void res.end();
    case '/stall.sif': // the right headers and a first chunk, then silence
      if (req.method === 'HEAD') return send(SIF);
      res.writeHead(200, { 'content-length': SIF.length });
      return void res.write(SIF.subarray(0, 1000));
    case '/drip.sif': { // the right headers, then a byte at a time
      if (req.method === 'HEAD') return send(SIF);
      res.writeHead(200, { 'content-length': SIF.length });
      let at = 0;
      const timer = setInterval(() => (at < SIF.length ? res.write(SIF.subarray(at, (at += 1))) : clearInterval(timer)), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  certDir = await mkdtemp(path.join(tmpdir(), 'sifhub-tls-'));
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')]);
  server = https.createServer({ key: await readFile(path.join(certDir, 'key.pem')), cert: await readFile(path.join(certDir, 'cert.pem')) }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost" so the certificate matches; --allow-host localhost lets verify reach it.
  base = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
  await rm(certDir, { recursive: true, force: true });
});

const trustTestCertificate = () => ({ NODE_EXTRA_CA_CERTS: path.join(certDir, 'cert.pem') });

async function registryWith(tags: Record<string, Image>): Promise<TempRepo> {
  const repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': 'name: T\nurl: https://t.example.org\n' });
  await repo.commit('empty', '2024-01-01T00:00:00Z');
  await repo.write(Object.fromEntries(Object.entries(tags).map(([name, img]) => [`registry/lab/tool/${name}.md`, tagRecord(img)])));
  return repo;
}

describe('sifhub verify', () => {
  it('follows a GitHub release download\'s redirect to the asset host, and no other', async () => {
    const release = `${base}/lab/registry/releases/download/sif-lab`;
    const repo = await registryWith({
      release: claim(SIF, `${release}/tool-0123456789abcdef.sif`),
      loop: claim(SIF, `${release}/loop.sif`),
      'plain-http': claim(SIF, `${release}/plain-http.sif`),
      redirect: claim(SIF, `${base}/redirect.sif`),
    });
    try {
      const result = await runSifhub(['verify', '--base', 'main', '--allow-host', 'localhost'], repo.dir, { ...trustTestCertificate(), GITHUB_SERVER_URL: base });
      const line = (name: string) => result.stdout.split('\n').find((l) => l.includes(`/${name}.md`)) ?? '';
      expect(line('release')).toMatch(/^✔ .*792,293 bytes, sha256 and md5 match/);
      expect(line('loop')).toContain('HEAD redirects more than 3 times from a GitHub release download (a loop?)');
      expect(line('plain-http')).toContain('redirects to http://downloads.example.org/tool.sif: http: URLs are not allowed; use https');
      expect(line('redirect')).toContain('HEAD redirects (302) to /good.sif');
      expect(result.code).toBe(1);
    } finally {
      await repo.dispose();
    }
  });

  it('passes an image served right, and fails each wrong answer with its reason while checking the rest', async () => {
    const repo = await registryWith({
      good: claim(SIF, `${base}/good.sif`),
      other: { ...claim(SIF, `${base}/other.sif`) },
      'not-sif': claim(NOT_SIF, `${base}/notsif.bin`),
      'wrong-size': claim(SIF, `${base}/wrong-size.sif`),
      'lying-size': claim(SIF, `${base}/lying-size.sif`),
      redirect: claim(SIF, `${base}/redirect.sif`),
      huge: claim(SIF, `${base}/huge.sif`),
      drip: claim(SIF, `${base}/drip.sif`),
      stall: claim(SIF, `${base}/stall.sif`),
      missing: claim(SIF, `${base}/missing.sif`),
    });
    try {
      const result = await runSifhub(['verify', '--base', 'main', '--allow-host', 'localhost', '--timeout', '3', '--idle-timeout', '2', '--jobs', '4'], repo.dir, trustTestCertificate());
      expect(result.code).toBe(1);
      const line = (name: string) => result.stdout.split('\n').find((l) => l.includes(`/${name}.md`)) ?? '';
      expect(line('good')).toMatch(/^✔ .*792,293 bytes, sha256 and md5 match/);
      expect(line('other')).toContain(`✖ registry/lab/tool/other.md  serves other bytes: sha256 ${claim(OTHER, '').sha256}`);
      expect(line('not-sif')).toContain('is not a SIF image (no SIF_MAGIC at byte 32)');
      expect(line('wrong-size')).toContain('HEAD says Content-Length 1,000, the record says size 792,293');
      expect(line('lying-size')).toMatch(/ended after 396,146 of 792,293 bytes|could not be fetched/);
      expect(line('redirect')).toContain('HEAD redirects (302) to /good.sif; the record must name the final URL');
      expect(line('huge')).toContain('serves more than the recorded 792,293 bytes');
      expect(line('drip')).toContain('did not finish within 3 s');
      expect(line('stall')).toContain('GET stalled: nothing received for 2 s');
      expect(line('missing')).toContain('HEAD answered 404, expected 200');
      expect(result.stderr).toContain('✖ 9 problems in 9 files');
    } finally {
      await repo.dispose();
    }
  });

  it('checks only new and changed images with --base, and all with --all', async () => {
    const repo = await registryWith({ good: claim(SIF, `${base}/good.sif`) });
    try {
      await repo.commit('add', '2024-02-01T00:00:00Z');
      await repo.write({ 'registry/lab/tool/good.md': `${tagRecord(claim(SIF, `${base}/good.sif`))}Notes only.\n` });
      let result = await runSifhub(['verify', '--base', 'main'], repo.dir);
      expect(result.stdout).toBe('No new or changed images to verify.\n');
      result = await runSifhub(['verify', '--all', '--allow-host', 'localhost'], repo.dir, trustTestCertificate());
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('✔ 1 image verified');
      // A pull request's head, read from git while the working tree stays at the base.
      await repo.git('checkout', '-q', '-b', 'change');
      await repo.write({ 'registry/lab/tool/new.md': tagRecord(claim(SIF, `${base}/good.sif`)) });
      await repo.commit('new', '2024-03-01T00:00:00Z');
      await repo.git('checkout', '-q', 'main');
      result = await runSifhub(['verify', '--base', 'main', '--head', 'change', '--allow-host', 'localhost'], repo.dir, trustTestCertificate());
      expect(result.stdout).toContain('registry/lab/tool/new.md');
      expect(result.stdout).toContain('✔ 1 image verified');
    } finally {
      await repo.dispose();
    }
  });

  it('never fetches a withdrawn image, whether its record or its container\'s README withdraws it', async () => {
    // Both would fail: other bytes than recorded, and no file at all.
    const bad = claim(NOT_SIF, `${base}/other.sif`);
    const listed = claim(OTHER, `${base}/missing.sif`);
    const repo = await registryWith({ good: claim(SIF, `${base}/good.sif`) });
    try {
      await repo.write({
        'registry/lab/tool/bad.md': tagRecord(bad, 'withdrawn: Other bytes than recorded.\n'),
        // The same image under another tag: withdrawn with it.
        'registry/lab/tool/bad-too.md': tagRecord(bad),
        'registry/lab/tool/listed.md': tagRecord(listed),
        'registry/lab/tool/README.md': `---\nwithdrawn:\n  - sha256: "${listed.sha256}"\n    reason: Not a SIF.\n---\n`,
      });
      const result = await runSifhub(['verify', '--all', '--allow-host', 'localhost'], repo.dir, trustTestCertificate());
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('✔ 1 image verified');
      expect(result.code).toBe(0);
    } finally {
      await repo.dispose();
    }
  });

  it('checks every architecture\'s image of a tag, and that each is the architecture its record says', async () => {
    const arm64 = (image: Image) => `platforms:\n  - architecture: arm64\n    url: ${image.url}\n    sha256: ${image.sha256}\n    md5: ${image.md5}\n    size: ${image.size}\n`;
    const repo = await registryWith({});
    try {
      await repo.write({
        'registry/lab/tool/multi.md': tagRecord(claim(SIF, `${base}/good.sif`), `architecture: amd64\n${arm64(claim(ARM, `${base}/arm.sif`))}`),
        // An amd64 image offered to arm64 clients: the bytes are the record's, the architecture is not.
        'registry/lab/tool/mislabelled.md': tagRecord(claim(ARM, `${base}/arm.sif`), `architecture: amd64\n${arm64(claim(SIF, `${base}/good.sif?mirror=1`))}`),
      });
      const result = await runSifhub(['verify', '--all', '--allow-host', 'localhost'], repo.dir, trustTestCertificate());
      const lines = result.stdout.trim().split('\n').sort();
      expect(lines).toEqual([
        `✔ registry/lab/tool/multi.md  792,293 bytes, sha256 and md5 match`,
        `✔ registry/lab/tool/multi.md platforms.0.url ${base}/arm.sif  841,445 bytes, sha256 and md5 match`,
        `✖ registry/lab/tool/mislabelled.md  is an arm64 image, the record says amd64`,
        `✖ registry/lab/tool/mislabelled.md platforms.0.url ${base}/good.sif?mirror=1  is an amd64 image, the record says arm64`,
      ].sort());
      expect(result.code).toBe(1);
    } finally {
      await repo.dispose();
    }
  });

  it('checks a re-pointed url and every new mirror, though the image (sha256) is unchanged', async () => {
    const image = claim(SIF, `${base}/good.sif`);
    const repo = await registryWith({ frozen: image });
    try {
      await repo.write({ 'registry/lab/tool/frozen.md': tagRecord(image, 'frozen: true\nmirrors: [ "' + base + '/good.sif?mirror=1" ]\n') });
      await repo.commit('add', '2024-02-01T00:00:00Z');
      // The owner moves the frozen tag to another host and adds mirrors: same sha256, md5 and size.
      const moved = { ...image, url: `${base}/other.sif` };
      await repo.write({ 'registry/lab/tool/frozen.md': tagRecord(moved, `frozen: true\nmirrors: [ "${base}/good.sif?mirror=1", "${base}/missing.sif", "${base}/good.sif?mirror=2" ]\n`) });
      const result = await runSifhub(['verify', '--base', 'main', '--allow-host', 'localhost'], repo.dir, trustTestCertificate());
      const lines = result.stdout.trim().split('\n').sort();
      expect(lines).toEqual([
        `✔ registry/lab/tool/frozen.md mirrors[2] ${base}/good.sif?mirror=2  792,293 bytes, sha256 and md5 match`,
        `✖ registry/lab/tool/frozen.md  serves other bytes: sha256 ${claim(OTHER, '').sha256}, the record says ${image.sha256}`,
        `✖ registry/lab/tool/frozen.md mirrors[1] ${base}/missing.sif  HEAD answered 404, expected 200`,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('mirrors[1]');
    } finally {
      await repo.dispose();
    }
  });

  it('refuses private, loopback and link-local addresses, however they are written', async () => {
    const urls = {
      loopback: 'https://127.0.0.1/x.sif',
      mapped: 'https://[::ffff:127.0.0.1]/x.sif',
      'mapped-hex': 'https://[::ffff:7f00:1]/x.sif',
      localhost: `https://localhost/x.sif`,
      private: 'https://10.1.2.3/x.sif',
      metadata: 'https://169.254.169.254/latest/meta-data',
      'unique-local': 'https://[fd00::1]/x.sif',
      decimal: 'https://2130706433/x.sif',
      // IPv6 ranges that carry IPv4 (spellings that used to be dialled).
      translated: 'https://[::ffff:0:127.0.0.1]/x.sif',
      'nat64-local': 'https://[64:ff9b:1::7f00:1]/x.sif',
      '6to4': 'https://[2002:7f00:1::1]/x.sif',
    };
    // Records hold URLs as WHATWG's parser writes them (the record check refuses other spellings),
    // so each is recorded in that form: the address check still sees every range.
    const repo = await registryWith(Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, claim(SIF, new URL(url).href)])));
    try {
      const result = await runSifhub(['verify', '--all', '--timeout', '5'], repo.dir);
      const line = (name: string) => result.stdout.split('\n').find((l) => l.includes(`/${name}.md`)) ?? '';
      expect(line('loopback')).toContain('resolves to 127.0.0.1, which is not public (loopback)');
      expect(line('mapped')).toContain('resolves to ::ffff:7f00:1, which is not public (loopback)'); // as WHATWG URL normalises it
      expect(line('mapped-hex')).toContain('which is not public (loopback)');
      expect(line('localhost')).toMatch(/host localhost resolves to (127\.0\.0\.1|::1), which is not public \(loopback\)/);
      expect(line('private')).toContain('which is not public (private)');
      expect(line('metadata')).toContain('which is not public (link-local)');
      expect(line('unique-local')).toContain('which is not public (unique-local)');
      expect(line('decimal')).toContain('resolves to 127.0.0.1, which is not public (loopback)'); // WHATWG URL turns 2130706433 into 127.0.0.1
      expect(line('translated')).toContain('which is not public (IPv4-translated)');
      expect(line('nat64-local')).toContain('which is not public (local-use NAT64)');
      expect(line('6to4')).toContain('which is not public (6to4)');
      expect(result.code).toBe(1);
    } finally {
      await repo.dispose();
    }
  });

  it('refuses a certificate it cannot trust', async () => {
    const repo = await registryWith({ good: claim(SIF, `${base}/good.sif`) });
    try {
      const result = await runSifhub(['verify', '--all', '--allow-host', 'localhost'], repo.dir);
      expect(result.stdout).toMatch(/✖ registry\/lab\/tool\/good\.md {2}could not be fetched: .*(certificate|CERT)/);
    } finally {
      await repo.dispose();
    }
  });

  describe('an internal image host, on purpose (registry.yml allowHosts)', () => {
    async function internalRegistry(allowHosts: string | undefined, path = '/good.sif'): Promise<TempRepo> {
      const repo = await TempRepo.create();
      await repo.write({ 'registry/registry.yml': `name: T\nurl: https://t.example.org\n${allowHosts ? `allowHosts: ${allowHosts}\n` : ''}` });
      await repo.commit('base', '2024-01-01T00:00:00Z');
      await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(claim(SIF, `${base}${path}`)) });
      return repo;
    }
    const verify = (repo: TempRepo) => runSifhub(['verify', '--base', 'main'], repo.dir, trustTestCertificate());

    it('refuses a private https host without the setting, naming it, and dials nothing', async () => {
      const repo = await internalRegistry(undefined, '/good.sif?not-dialled');
      try {
        const result = await verify(repo);
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/host localhost resolves to (127\.0\.0\.1|::1), which is not public \(loopback\); images must be on a public host, or on an internal one registry\.yml's allowHosts lists/);
        expect(asked).not.toContain('/good.sif?not-dialled');
      } finally {
        await repo.dispose();
      }
    });

    it.each([['its host name', '[localhost]'], ['an address range holding it', '["127.0.0.0/8", "::1/128"]']])('verifies it when allowHosts names %s', async (_, list) => {
      const repo = await internalRegistry(list);
      try {
        const result = await verify(repo);
        expect(result.stderr).toBe('');
        expect(result.stdout).toMatch(/^✔ .*sha256 and md5 match/m);
        expect(result.code).toBe(0);
      } finally {
        await repo.dispose();
      }
    });

    it('dials nothing outside the listed ranges, and takes the list from the base, not the pull request', async () => {
      const repo = await internalRegistry('["10.0.0.0/8"]', '/good.sif?outside');
      try {
        const outside = await verify(repo);
        expect(outside.code).toBe(1);
        expect(outside.stdout).toContain('which is not public (loopback)');
        // The pull request lists its own host: the base's list still decides.
        await repo.write({ 'registry/registry.yml': 'name: T\nurl: https://t.example.org\nallowHosts: [localhost]\n' });
        const itself = await verify(repo);
        expect(itself.code).toBe(1);
        expect(asked).not.toContain('/good.sif?outside');
      } finally {
        await repo.dispose();
      }
    });
  });
});
