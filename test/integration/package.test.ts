import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { PROJECT } from '../helpers/run-workflow.ts';
import { pull } from '../helpers/shub-client.ts';

// sifhub as an institution gets it: `npm pack`, installed from the tarball into an empty folder,
// never run from this checkout. On Node 24 and Node 22 (both from npm, as the project pins its
// own Node): --version, init, a record committed, a build, and the shub client's requests.

const run = promisify(execFile);
const FIXTURE = path.join(PROJECT, 'test/fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif');
const VERSION = (JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let images: StaticServer;
let site: StaticServer | undefined;
const nodes: Record<string, string> = {};
/** A Node older than engines allows (20), from npm as the others. */
let tooOld: string;

/** Runs the installed `sifhub` with `nodeBin` first on the PATH. */
const sifhub = (nodeBin: string, args: string[], cwd: string) =>
  run(path.join(dir, 'app/node_modules/.bin/sifhub'), args, { cwd, env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}`, NO_COLOR: '1', GITHUB_ACTIONS: '' } });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-package-'));
  const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, maxBuffer: 64 << 20 });
  await npm(['pack', '--pack-destination', dir, '--silent'], PROJECT);
  const [tarball] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
  await writeFile(path.join(dir, 'package.json'), '{}');
  await run('mkdir', ['-p', path.join(dir, 'app'), path.join(dir, 'node22'), path.join(dir, 'node20')]);
  await writeFile(path.join(dir, 'app/package.json'), '{ "private": true }');
  await writeFile(path.join(dir, 'node22/package.json'), '{ "private": true }');
  await writeFile(path.join(dir, 'node20/package.json'), '{ "private": true }');
  await Promise.all([npm(['install', path.join(dir, tarball!)], path.join(dir, 'app')), npm(['install', 'node@22'], path.join(dir, 'node22')), npm(['install', 'node@20'], path.join(dir, 'node20'))]);
  nodes['24'] = path.join(PROJECT, 'node_modules/.bin');
  nodes['22'] = path.join(dir, 'node22/node_modules/.bin');
  tooOld = path.join(dir, 'node20/node_modules/.bin');
  images = await startStaticServer({ root: path.dirname(FIXTURE) });
}, 300_000);

afterAll(async () => {
  await images?.close();
  await site?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the packed package, installed from its tarball', () => {
  it('runs compiled JavaScript from node_modules, not TypeScript, and not this checkout', async () => {
    const bin = await realpath(path.join(dir, 'app/node_modules/.bin/sifhub'));
    expect(bin).toBe(await realpath(path.join(dir, 'app/node_modules/sifhub/lib/scripts/sifhub.js')));
    const pkg = JSON.parse(await readFile(path.join(dir, 'app/node_modules/sifhub/package.json'), 'utf8')) as { private?: boolean };
    expect(pkg.private).toBeUndefined();
    for (const [version, bin] of Object.entries(nodes)) {
      expect((await run(path.join(bin, 'node'), ['--version'])).stdout).toMatch(new RegExp(`^v${version}\\.`));
      expect((await sifhub(bin, ['--version'], dir)).stdout.trim()).toBe(VERSION);
    }
  });

  it.each(['24', '22'])('on Node %s: init a registry, add a record, build, and the shub client pulls the image', async (version) => {
    const bin = nodes[version]!;
    const reg = path.join(dir, `registry-${version}`);
    const init = await sifhub(bin, ['init', reg, '--name', 'Packaged', '--url', 'https://packaged.example.edu/images', '--repository', 'https://github.com/lab/images', '--maintainers', 'ada'], dir);
    expect(init.stdout).toContain('Created the registry "Packaged"');
    expect(await readFile(path.join(reg, '.github/workflows/pull-request.yml'), 'utf8')).toContain(`uses: sifhub/sifhub@v${VERSION}`);

    const bytes = await readFile(FIXTURE);
    const repo = TempRepo.at(reg);
    await repo.write({
      'registry/lab/README.md': '---\nowners: [ada]\n---\n',
      'registry/lab/tool/1.0.md': tagRecord({ url: `${images.url}/${path.basename(FIXTURE)}`.replace('http:', 'https:'), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('hex') }),
    });
    await repo.commit('Add lab/tool:1.0', '2024-01-01T00:00:00Z');
    const build = await sifhub(bin, ['build'], reg);
    expect(build.stdout).toContain('✔ Built dist/: 1 collection, 1 container, 1 tag');

    site = await startStaticServer({ root: path.join(reg, 'dist'), base: '/images' });
    const pulled = await pull(`http://127.0.0.1:${site.port}`, 'shub://packaged.example.edu/images/lab/tool:1.0');
    expect(pulled.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    await site.close();
    site = undefined;
  }, 120_000);

  it('on Node 20: says in one line which Node it needs and which runs, before loading anything, and exits 3', async () => {
    const result = await sifhub(tooOld, ['build'], dir).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in result ? result.code : 0).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^sifhub needs Node\.js >=22\.12\.0; this is Node\.js 20\.\d+\.\d+ \(.*node\)\. Install Node\.js 24 \(.*\), then run sifhub again\.\n$/);
    expect(result.stderr).not.toContain('bug');
  });
});
