import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.ts';
import { readSignerKeys, type SignerKeys } from './sif-signatures-node.ts';

/** The key files a folder holds, or the one file named: armored PGP keys (.asc) and PEM public keys (.pem). */
export async function loadSignerKeys(where: string): Promise<SignerKeys> {
  const info = await stat(where).catch(() => undefined);
  if (!info) throw new EnvironmentError(`no keys at ${where}: expected a key file (.asc, .pem) or a folder of them`);
  const files = info.isDirectory() ? (await readdir(where)).filter((f) => /\.(asc|pem)$/.test(f)).sort().map((f) => path.join(where, f)) : [where];
  try {
    return await readSignerKeys(await Promise.all(files.map(async (file) => ({ name: path.basename(file), text: await readFile(file, 'utf8') }))));
  } catch (error) {
    throw new EnvironmentError(`cannot read the keys in ${where}: ${(error as Error).message}`, { cause: error });
  }
}
