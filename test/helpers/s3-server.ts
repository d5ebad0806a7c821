import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const SCRIPTS = new URL('../s3-server/', import.meta.url).pathname;

export interface S3Server {
  /** The S3 API over plain http, for the SDK. */
  endpoint: string;
  /** The same server over https with a certificate the tests trust via NODE_EXTRA_CA_CERTS. */
  httpsEndpoint: string;
  certFile: string;
  /** AWS_* variables as a user would set them for an S3-compatible store. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A real S3 server (Ceph radosgw, test/s3-server/start.sh) in a temp dir, on free ports. */
export async function startS3Server(): Promise<S3Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-s3-'));
  const [rgwPort, monPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  const env = { ...process.env, D: path.join(dir, 'ceph'), RGW_PORT: String(rgwPort), MON_PORT: String(monPort), TLS_PORT: String(tlsPort), TLS_CERT: certFile, TLS_KEY: keyFile };
  const stop = async () => {
    await run(path.join(SCRIPTS, 'stop.sh'), { env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(path.join(SCRIPTS, 'start.sh'), { env, timeout: 180_000 });
  } catch (error) {
    await stop();
    throw new Error(`the S3 test server (Ceph radosgw) did not start; is radosgw installed? (apt-get install ceph-mon ceph-osd radosgw)\n${(error as { stderr?: string }).stderr ?? error}`);
  }
  return {
    endpoint: `http://127.0.0.1:${rgwPort}`,
    httpsEndpoint: `https://127.0.0.1:${tlsPort}`,
    certFile,
    env: { AWS_ACCESS_KEY_ID: 'TESTACCESSKEY', AWS_SECRET_ACCESS_KEY: 'TESTSECRETKEY', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: `http://127.0.0.1:${rgwPort}` },
    stop,
  };
}

/** GET (or HEAD) over https trusting only the test server's certificate. */
export async function fetchWithCert(url: string, certFile: string, method = 'GET'): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  const ca = url.startsWith('https:') ? await readFile(certFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers })).on('error', reject);
    });
    req.on('error', reject).end();
  });
}

/**
 * A bucket; `publicRead` lets anyone GET its objects (a bucket policy, as on AWS), and `list` lets
 * anyone list it too, so a missing key answers 404 instead of 403 (what a site needs).
 */
export async function createBucket(server: S3Server, bucket: string, publicRead: boolean, options: { list?: boolean; website?: boolean } = {}): Promise<void> {
  const { S3Client, CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (publicRead) {
    const statements = [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }];
    if (options.list) statements.push({ Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] });
    const policy = { Version: '2012-10-17', Statement: statements };
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  }
  // Static website hosting, answered on websiteHost(bucket) as AWS answers BUCKET.s3-website-REGION.amazonaws.com.
  if (options.website) await client.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } } }));
  client.destroy();
}

/** The Host that reaches a bucket's website endpoint (start.sh's `rgw dns s3website name`). */
export function websiteHost(bucket: string): string {
  return `${bucket}.s3-website.localhost`;
}
