import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// An https server on 127.0.0.1 serving fixed files, with a certificate made for the test: images
// for `sifhub verify` (which speaks https only) to download, and for the library client's Range parts.

export interface ImageServer {
  /** https://localhost:PORT */
  base: string;
  /** Environment that makes Node trust the server's certificate. */
  trust: Record<string, string>;
  /** The certificate (PEM), for a client that takes it directly. */
  ca: Buffer;
  close(): Promise<void>;
}

export async function startImageServer(files: Record<string, Buffer>): Promise<ImageServer> {
  const certDir = await mkdtemp(path.join(tmpdir(), 'sifhub-tls-'));
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')]);
  const server = https.createServer({ key: await readFile(path.join(certDir, 'key.pem')), cert: await readFile(path.join(certDir, 'cert.pem')) }, (req, res) => {
    const bytes = files[req.url ?? ''];
    if (!bytes) return void res.writeHead(404).end();
    // One byte range, as object storage answers the library client's multipart download.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
      if (start > end) return void res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
      return void res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
    }
    res.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `https://localhost:${(server.address() as AddressInfo).port}`,
    trust: { NODE_EXTRA_CA_CERTS: path.join(certDir, 'cert.pem') },
    ca: await readFile(path.join(certDir, 'cert.pem')),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(certDir, { recursive: true, force: true });
    },
  };
}
