import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shareLink } from '../../src/commands/share/share-link.ts';
import { EnvironmentError } from '../../src/errors.ts';
import { readRecord } from '../../src/records/load-records-fs.ts';
import { image, tagRecord } from '../helpers/git-repo.ts';

// One record read from disk (share reads its tag and registry.yml this way): what a missing,
// unreadable or invalid file gives.

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

async function registry(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-records-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

describe('readRecord', () => {
  it('reads and checks one record, and is undefined for a file that does not exist', async () => {
    const root = await registry({ 'lab/tool/1.0.md': tagRecord(image(1)) });
    expect((await readRecord(root, 'lab/tool/1.0.md', 'tag'))?.checked).toMatchObject({ ok: true, data: image(1) });
    expect(await readRecord(root, 'lab/tool/2.0.md', 'tag')).toBeUndefined();
  });

  it('names a file that exists but cannot be read, as an environment problem', async () => {
    const root = await registry({ 'registry.yml/x': '' });
    const error = await readRecord(root, 'registry.yml', 'config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/^cannot read .*registry\.yml: EISDIR/);
  });
});

describe('shareLink before it signs anything', () => {
  const reference = { collection: 'lab', container: 'tool', tag: '1.0' };
  const share = (root: string) => shareLink({ registryDir: root, reference, expiresIn: 60, env: {} }).then(() => 'signed', (e: Error) => e.message.replace(root, 'REGISTRY'));

  it('says which file to fix: a missing tag, an invalid tag, an invalid registry.yml', async () => {
    expect(await share(await registry({ 'registry.yml': 'name: T\nurl: https://r.example.org\n' }))).toBe('there is no tag lab/tool:1.0 (no REGISTRY/lab/tool/1.0.md)');
    await rm(dir, { recursive: true });
    expect(await share(await registry({ 'lab/tool/1.0.md': '---\nurl: x\n---\n' }))).toMatch(/lab\/tool\/1\.0\.md is not a valid tag record; run `sifhub validate`$/);
    await rm(dir, { recursive: true });
    expect(await share(await registry({ 'lab/tool/1.0.md': tagRecord(image(1)), 'registry.yml': 'name: T\n' }))).toMatch(/registry\.yml is not valid; run `sifhub validate`$/);
  });
});
