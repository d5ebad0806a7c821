import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../../errors.ts';
import type { StoredToken, TokensFile } from '../../hosts/nginx-auth.ts';

// The tokens of a private registry, in one file outside the repository and the site (nginx reads
// it on every request: hosts/nginx-auth.ts). It holds each token's sha256, never the token: the
// token is printed once, when it is made. Written whole to a temporary file and renamed over the
// old one, so nginx never reads half a file.

/** Where the tokens live unless --file or SIFHUB_TOKENS says otherwise. */
const DEFAULT_TOKENS_FILE = '/etc/sifhub/tokens.json';

export function tokensFile(option: string | undefined): string {
  return path.resolve(option ?? (process.env.SIFHUB_TOKENS || DEFAULT_TOKENS_FILE));
}

export async function readTokens(file: string): Promise<StoredToken[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new EnvironmentError(`cannot read ${file}: ${error.message}`, { cause: error });
  });
  if (text === undefined) return [];
  let parsed: Partial<TokensFile> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<TokensFile>;
  } catch {
    parsed = undefined;
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.tokens)) throw new EnvironmentError(`${file} is not a tokens file sifhub wrote; move it away or fix it`);
  return parsed.tokens;
}

export async function writeTokens(file: string, tokens: readonly StoredToken[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  const content: TokensFile = { version: 1, tokens: [...tokens] };
  // Readable by the web server's group, not by everyone: even hashes of tokens are nobody's business.
  await writeFile(partial, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o640 });
  await chmod(partial, 0o640);
  await rename(partial, file);
}

/** A new token (printed once) and what is stored of it. */
export function newToken(name: string, expiresInSeconds: number | undefined, now = new Date()): { token: string; stored: StoredToken } {
  const token = `sifhub_${randomBytes(32).toString('base64url')}`;
  return {
    token,
    stored: {
      name,
      sha256: createHash('sha256').update(token).digest('hex'),
      created: now.toISOString(),
      ...(expiresInSeconds === undefined ? {} : { expires: new Date(now.getTime() + expiresInSeconds * 1000).toISOString() }),
    },
  };
}
