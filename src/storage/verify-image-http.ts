import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { parseReleaseAssetUrl } from '../github/urls.ts';
import { addressProblem, NO_ALLOWED_HOSTS, type AllowedHosts } from './allowed-hosts.ts';
import { SignatureClaimCheck, type SignatureClaim } from '../sif/signature-claims-node.ts';
import { ARCHITECTURE_PREFIX, architectureOfPrefix } from '../sif/architecture.ts';
import { FormatError } from '../errors.ts';

// `sifhub verify` for one image: does its URL serve, directly and completely, the bytes the
// record describes? The URL comes from a stranger's pull request, so every step is bounded:
// https only, public addresses only (checked, then pinned for the connection, so DNS cannot
// change its answer in between), no redirects, a size cap, a deadline and an idle timeout.
// One exception to "no redirects": a GitHub release asset URL always redirects to GitHub's
// asset host, and `sifhub submit --upload github-release` records such URLs (Apptainer and
// Singularity follow the redirect). Those may take a few hops, each checked like the first.

export interface VerifyOptions {
  /** This host may be private or loopback, and may use http (local testing). */
  allowHost?: string;
  /** registry.yml's allowHosts: internal hosts and address ranges that may be fetched from over https. */
  allowedHosts?: AllowedHosts;
  /** Refuse images larger than this many bytes. */
  maxBytes: number;
  /** The whole check must finish within this many milliseconds. */
  timeoutMs: number;
  /** Fail when no byte arrives for this many milliseconds. */
  idleMs: number;
  /** GitHub's web root (GITHUB_SERVER_URL): its release download URLs may redirect. */
  githubServerUrl?: string;
  /** Also write the bytes here as they are checked (mirror copies them); the caller removes it on failure. */
  keep?: string;
}

/** The limits `verify`, `mirror` and `library: site` builds download with unless told otherwise. */
export const DEFAULT_DOWNLOAD_LIMITS = { maxBytes: 20 * 1024 ** 3, timeoutMs: 1800 * 1000, idleMs: 60 * 1000 } as const;

/** Release downloads go github.com → the asset host; allow a little slack, never a loop. */
const RELEASE_HOPS = 3;

export interface ImageClaim {
  url: string;
  size: number;
  sha256: string;
  md5: string;
  /** What the record says of the image's signatures: checked against its bytes too. */
  signatures?: readonly SignatureClaim[];
  /** The architecture the record says the image is for (its SIF header's): checked too. */
  architecture?: string;
}

const SIF_MAGIC = Buffer.from('SIF_MAGIC');
const MAGIC_OFFSET = 32;

class VerifyFailure extends Error {}

/** Undefined when the URL serves exactly the recorded image; else why not, in one sentence. */
export async function verifyImage(claim: ImageClaim, options: VerifyOptions): Promise<string | undefined> {
  const controller = new AbortController();
  // A stall mid-body surfaces as a bare "aborted" from the stream: remember why it happened.
  let stalled: string | undefined;
  const onStall = (reason: string) => (stalled = reason);
  const deadline = setTimeout(() => controller.abort(), options.timeoutMs);
  let kept: WriteStream | undefined;
  try {
    const url = new URL(claim.url);
    if (claim.size > options.maxBytes) throw new VerifyFailure(`the recorded size ${claim.size.toLocaleString('en')} bytes is above the ${options.maxBytes.toLocaleString('en')}-byte limit`);
    const hops = options.githubServerUrl && parseReleaseAssetUrl(claim.url, options.githubServerUrl.replace(/\/+$/, '')) ? RELEASE_HOPS : 0;
    const request = async (method: 'HEAD' | 'GET') => {
      let at = url;
      for (let hop = 0; ; hop++) {
        const allowed = options.allowHost !== undefined && at.hostname === options.allowHost;
        if (at.protocol !== 'https:' && !(allowed && at.protocol === 'http:')) throw new VerifyFailure(`${hop > 0 ? `redirects to ${at.href}: ` : ''}${at.protocol} URLs are not allowed; use https`);
        const address = await resolveAllowed(at.hostname.replace(/^\[|\]$/g, ''), allowed, options.allowedHosts ?? NO_ALLOWED_HOSTS);
        const pinned: LookupFunction = (_host, opts, callback) => {
          if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [address]);
          else callback(null, address.address, address.family);
        };
        const response = await send(at, method, pinned, controller.signal, options.idleMs, onStall);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (hop < hops && status >= 300 && status < 400 && location) {
          response.resume();
          at = new URL(location, at);
          continue;
        }
        if (hops > 0 && status >= 300 && status < 400) {
          response.resume();
          throw new VerifyFailure(`${method} redirects more than ${hops} times from a GitHub release download (a loop?)`);
        }
        checkStatus(response, method);
        return response;
      }
    };

    const head = await request('HEAD');
    head.resume();
    const length = head.headers['content-length'];
    if (length === undefined) throw new VerifyFailure('HEAD answered without Content-Length; the clients need the exact size');
    if (Number(length) !== claim.size) throw new VerifyFailure(`HEAD says Content-Length ${Number(length).toLocaleString('en')}, the record says size ${claim.size.toLocaleString('en')}`);

    const get = await request('GET');
    kept = options.keep === undefined ? undefined : createWriteStream(options.keep);
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    const signatures = claim.signatures?.length ? new SignatureClaimCheck(claim.size, claim.signatures) : undefined;
    let received = 0;
    let start = Buffer.alloc(0);
    // The header and descriptor table, to read the architecture from when the record states one.
    const table: Buffer[] = [];
    let tableLength = 0;
    for await (const chunk of get as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > claim.size) {
        get.destroy();
        throw new VerifyFailure(`serves more than the recorded ${claim.size.toLocaleString('en')} bytes`);
      }
      if (start.length < MAGIC_OFFSET + SIF_MAGIC.length) start = Buffer.concat([start, chunk.subarray(0, MAGIC_OFFSET + SIF_MAGIC.length - start.length)]);
      if (claim.architecture !== undefined && tableLength < ARCHITECTURE_PREFIX) {
        const part = chunk.subarray(0, ARCHITECTURE_PREFIX - tableLength);
        table.push(part);
        tableLength += part.length;
      }
      sha256.update(chunk);
      md5.update(chunk);
      await signatures?.update(received - chunk.length, chunk);
      if (kept && !kept.write(chunk)) await once(kept, 'drain');
    }
    const file = kept;
    if (file) await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (received < claim.size) throw new VerifyFailure(`ended after ${received.toLocaleString('en')} of ${claim.size.toLocaleString('en')} bytes`);
    if (!start.subarray(MAGIC_OFFSET, MAGIC_OFFSET + SIF_MAGIC.length).equals(SIF_MAGIC)) throw new VerifyFailure('is not a SIF image (no SIF_MAGIC at byte 32)');
    const [gotSha, gotMd5] = [sha256.digest('hex'), md5.digest('hex')];
    if (gotSha !== claim.sha256) throw new VerifyFailure(`serves other bytes: sha256 ${gotSha}, the record says ${claim.sha256}`);
    if (gotMd5 !== claim.md5) throw new VerifyFailure(`md5 is ${gotMd5}, the record says ${claim.md5}`);
    const signatureProblem = await signatures?.result();
    if (signatureProblem) throw new VerifyFailure(signatureProblem);
    if (claim.architecture !== undefined) {
      const architecture = await architectureOfPrefix(Buffer.concat(table), claim.size).catch((error: unknown) => {
        if (error instanceof FormatError) throw new VerifyFailure(`its architecture cannot be read: ${error.message}`);
        throw error;
      });
      if (architecture !== claim.architecture) throw new VerifyFailure(`is ${architecture ? `an ${architecture}` : 'an architecture-less'} image, the record says ${claim.architecture}`);
    }
    return undefined;
  } catch (error) {
    if (controller.signal.aborted) return `did not finish within ${Math.round(options.timeoutMs / 1000)} s`;
    if (stalled) return stalled;
    if (error instanceof VerifyFailure) return error.message;
    const code = (error as NodeJS.ErrnoException).code;
    return `could not be fetched: ${code ? `${code} ` : ''}${(error as Error).message}`;
  } finally {
    clearTimeout(deadline);
    kept?.destroy();
  }
}

/** The address to dial for `hostname`: every address it resolves to must be public or allowed (no rebinding to an unjudged one). */
async function resolveAllowed(hostname: string, anything: boolean, allowed: AllowedHosts): Promise<{ address: string; family: number }> {
  const addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : await lookup(hostname, { all: true, verbatim: true }).catch((error: unknown) => {
    throw new VerifyFailure(`host ${hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`);
  });
  if (addresses.length === 0) throw new VerifyFailure(`host ${hostname} does not resolve`);
  if (!anything) {
    for (const a of addresses) {
      const problem = addressProblem(hostname, a.address, allowed);
      if (problem) throw new VerifyFailure(problem);
    }
  }
  return addresses[0]!;
}

function send(url: URL, method: 'HEAD' | 'GET', lookupFn: LookupFunction, signal: AbortSignal, idleMs: number, onStall: (reason: string) => void): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method, lookup: lookupFn, signal, headers: { 'user-agent': 'sifhub-verify', 'accept-encoding': 'identity' } }, resolve);
    request.setTimeout(idleMs, () => {
      const reason = `${method} stalled: nothing received for ${Math.round(idleMs / 1000)} s`;
      onStall(reason);
      request.destroy(new VerifyFailure(reason));
    });
    request.on('error', reject);
    request.end();
  });
}

function checkStatus(response: http.IncomingMessage, method: string): void {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    response.resume();
    throw new VerifyFailure(`${method} redirects (${status}) to ${response.headers.location ?? 'somewhere'}; the record must name the final URL, as sregistry-cli does not follow redirects`);
  }
  if (status !== 200) {
    response.resume();
    throw new VerifyFailure(`${method} answered ${status}, expected 200`);
  }
}
