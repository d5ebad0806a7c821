import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
import { parse } from 'yaml';
import { actionAt, publishS3Workflow } from '../../src/commands/init/templates.ts';
import { recordJsonSchemas, toJsonText } from '../../src/schema/json-schema.ts';
import { runSifhub } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { PROJECT } from '../helpers/run-workflow.ts';

// `sifhub init`: a new registry repository with no example in it, that builds into a site at once.

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

const REQUIRED = ['--name', 'Lab images', '--url', 'https://lab.github.io/images', '--repository', 'https://github.com/lab/images', '--maintainers', 'ada, grace'];
const VERSION = (JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;

async function filesIn(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !path.relative(root, e.parentPath).split(path.sep).includes('.git'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('sifhub init', () => {
  it('creates a registry repository: settings, workflows at this version, Dependabot, README, editor wiring, no records', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const result = await runSifhub(['init', target, ...REQUIRED, '--contact', 'images@lab.example.edu'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await filesIn(target)).toEqual([
      '.github/dependabot.yml', '.github/workflows/publish.yml', '.github/workflows/pull-request.yml', '.gitignore', '.vscode/settings.json', 'README.md',
      'registry/.schema/collection.schema.json', 'registry/.schema/container.schema.json', 'registry/.schema/registry.schema.json', 'registry/.schema/tag.schema.json',
      'registry/registry.yml',
    ]);
    const yml = await readFile(path.join(target, 'registry/registry.yml'), 'utf8');
    expect(yml.split('\n')[0]).toBe('# yaml-language-server: $schema=.schema/registry.schema.json');
    expect(parse(yml)).toEqual({ name: 'Lab images', url: 'https://lab.github.io/images', repository: 'https://github.com/lab/images', contact: 'images@lab.example.edu', maintainers: ['ada', 'grace'], automerge: 'off' });
    expect(await readFile(path.join(target, 'registry/.schema/tag.schema.json'), 'utf8')).toBe(toJsonText(recordJsonSchemas()['tag.schema.json']!));
    for (const workflow of ['publish.yml', 'pull-request.yml']) expect(await readFile(path.join(target, '.github/workflows', workflow), 'utf8')).toContain(`uses: sifhub/sifhub@v${VERSION}\n`);
    expect(await readFile(path.join(target, 'README.md'), 'utf8')).toContain('singularity pull shub://lab.github.io/images/COLLECTION/CONTAINER:TAG');
    expect(JSON.parse(await readFile(path.join(target, '.vscode/settings.json'), 'utf8'))['yaml.schemas']).toEqual({ './registry/.schema/registry.schema.json': 'registry/registry.yml' });

    // A repository of its own, which builds at once into a welcoming, empty site.
    const repo = TempRepo.at(target);
    await repo.commit('Start the registry', '2024-01-01T00:00:00Z');
    const build = await runSifhub(['build'], target);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain('✔ Built dist/: 0 collections, 0 containers, 0 tags');
    expect(build.stdout + build.stderr).not.toContain('placeholder');
    const home = await readFile(path.join(target, 'dist/index.html'), 'utf8');
    expect(home).toContain('This registry is new: no images yet.');
    expect(home).toContain('href="https://github.com/lab/images"');
    // Search and Sizes say there is nothing yet, instead of failing to load an index or drawing a blank box.
    const search = await readFile(path.join(target, 'dist/search/index.html'), 'utf8');
    expect(search).toContain('Nothing to search yet: this registry has no images.');
    expect(search).not.toContain('id="search-form"');
    const sizes = await readFile(path.join(target, 'dist/sizes/index.html'), 'utf8');
    expect(sizes).toContain('No images yet, so nothing to measure.');
    expect(sizes).not.toContain('id="treemap"');
    expect((await runSifhub(['validate'], target)).code).toBe(0);
  });

  it('takes the name, Pages URL and repository from the git remote of a fresh clone', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const repo = TempRepo.at(dir);
    await repo.git('init', '-q', '-b', 'main');
    await repo.git('remote', 'add', 'origin', 'git@github.com:Physics-Lab/containers.git');
    const result = await runSifhub(['init', '--maintainers', 'ada'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(await readFile(path.join(dir, 'registry/registry.yml'), 'utf8'))).toMatchObject({ name: 'containers', url: 'https://physics-lab.github.io/containers', repository: 'https://github.com/Physics-Lab/containers' });
  });

  it('refuses a folder that holds anything but .git, and writes nothing', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    await writeFile(path.join(dir, 'notes.txt'), 'mine\n');
    const result = await runSifhub(['init', dir, ...REQUIRED], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('expected an empty folder (or a fresh clone), found notes.txt; init writes a new registry, never over one');
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('reports every invalid setting at once, naming the field, and writes nothing', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'new');
    const result = await runSifhub(['init', target, '--name', 'Lab', '--url', 'http://lab.example.edu:8080', '--repository', 'https://github.com/lab/images', '--maintainers', 'ada,not a login', '--contact', 'nobody'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/new\/registry\/registry\.yml/);
    expect(result.stderr).toMatch(/url +expected an https:\/\/ URL/);
    expect(result.stderr).toMatch(/maintainers\.1 +expected a GitHub login or GitLab username/);
    expect(result.stderr).toMatch(/contact +expected an email address/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes a publish workflow for S3 behind a CDN, with the OIDC role, region and endpoint it is given', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const s3 = ['--deploy-to', 's3://lab-registry/images', '--aws-role', 'arn:aws:iam::123456789012:role/lab-publish', '--aws-region', 'auto', '--aws-endpoint', 'https://0123abcd.r2.cloudflarestorage.com'];
    const result = await runSifhub(['init', target, ...REQUIRED.map((v) => (v === 'https://lab.github.io/images' ? 'https://images.lab.example.edu/images' : v)), ...s3], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('the role arn:aws:iam::123456789012:role/lab-publish');
    expect(result.stdout).not.toContain('Settings → Pages');
    expect(await readFile(path.join(target, '.github/workflows/publish.yml'), 'utf8')).toBe(
      publishS3Workflow(actionAt(VERSION), { target: 's3://lab-registry/images', role: 'arn:aws:iam::123456789012:role/lab-publish', region: 'auto', endpoint: 'https://0123abcd.r2.cloudflarestorage.com', siteUrl: 'https://images.lab.example.edu/images' }),
    );
  });

  it('refuses an S3 deployment without a role ARN and region it can use, and writes nothing', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const noRole = await runSifhub(['init', target, ...REQUIRED, '--deploy-to', 's3://lab-registry', '--aws-region', 'eu-west-3'], dir);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("--deploy-to needs --aws-role with the role's ARN (arn:aws:iam::123456789012:role/NAME), received none");
    const badRegion = await runSifhub(['init', target, ...REQUIRED, '--deploy-to', 's3://lab-registry', '--aws-role', 'arn:aws:iam::123456789012:role/x', '--aws-region', 'Paris'], dir);
    expect(badRegion.stderr).toContain('--deploy-to needs --aws-region (us-east-1, eu-west-3; auto for Cloudflare R2), received "Paris"');
    const stray = await runSifhub(['init', target, ...REQUIRED, '--aws-region', 'eu-west-3'], dir);
    expect(stray.stderr).toContain('--aws-role, --aws-region and --aws-endpoint go with --deploy-to s3://BUCKET[/PREFIX]');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses `${{` and control characters in any input, which would change the workflows it writes, and writes nothing', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const s3 = ['--deploy-to', 's3://lab-registry', '--aws-role', 'arn:aws:iam::123456789012:role/x', '--aws-region', 'auto'];
    const expression = await runSifhub(['init', target, ...REQUIRED, ...s3, '--aws-endpoint', 'https://store.example.edu/${{ secrets.AWS_SECRET }}'], dir);
    expect(expression.code).toBe(2);
    expect(expression.stderr).toContain('--aws-endpoint may not contain `${{` (GitHub Actions would evaluate it in the workflow), received "https://store.example.edu/${{ secrets.AWS_SECRET }}"');
    const lineFeed = await runSifhub(['init', target, ...REQUIRED.map((v) => (v === 'Lab images' ? 'Lab\n  evil: true' : v))], dir);
    expect(lineFeed.code).toBe(2);
    expect(lineFeed.stderr).toContain('--name may not contain control characters (a line feed, a tab), received "Lab\\n  evil: true"');
    const url = await runSifhub(['init', target, ...REQUIRED.map((v) => (v === 'https://lab.github.io/images' ? 'https://lab.github.io/images\t' : v))], dir);
    expect(url.code).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lists internal image hosts in registry.yml with --allow-hosts, checked as registry.yml is', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const result = await runSifhub(['init', target, ...REQUIRED, '--allow-hosts', 'storage.lab.example.edu, 10.20.0.0/16'], dir);
    expect(result.stderr).toBe('');
    expect(await readFile(path.join(target, 'registry/registry.yml'), 'utf8')).toContain('\nallowHosts:\n  - "storage.lab.example.edu"\n  - "10.20.0.0/16"\n');
    const bad = await runSifhub(['init', path.join(dir, 'bad'), ...REQUIRED, '--allow-hosts', '10.20.0.0/99'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/allowHosts\.0 +expected a host name in lowercase \(storage\.lab\.example\.edu\) or an address range/);
  });

  it('says next steps that work in a new folder without a remote, and contributor instructions that work as written', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const target = path.join(dir, 'images');
    const result = await runSifhub(['init', target, ...REQUIRED], dir, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.org', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.org' });
    expect(result.code, result.stderr).toBe(0);
    const step = /1\. Commit and push: +(.*)$/m.exec(result.stdout)![1]!;
    expect(step).toContain(`git -C ${target} remote add origin https://github.com/lab/images.git && `);
    // Run as printed, with a local bare repository standing in for GitHub.
    const remote = path.join(dir, 'remote.git');
    await execFileAsync('git', ['init', '-q', '--bare', remote]);
    await execFileAsync('bash', ['-c', step.replace('https://github.com/lab/images.git', remote)], { env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.org', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.org' } });
    expect((await execFileAsync('git', ['--git-dir', remote, 'ls-tree', '--name-only', 'main', 'registry/'])).stdout).toBe('registry/.schema\nregistry/registry.yml\n');
    const readme = await readFile(path.join(target, 'README.md'), 'utf8');
    expect(readme).toContain(`npx sifhub@${VERSION} submit FILE.sif COLLECTION/CONTAINER:TAG --upload github-release`);
    expect(readme).toContain('  owners: [your-github-login]');
  });

  it('says which settings are missing when there is no terminal to ask on', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const result = await runSifhub(['init', path.join(dir, 'x'), '--name', 'Lab'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('init needs --url, --repository, --maintainers');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('sifhub build with a placeholder url', () => {
  it('warns while url is the example\'s', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifhub-init-'));
    const repo = TempRepo.at(dir);
    await repo.git('init', '-q', '-b', 'main');
    await repo.write({ 'registry/registry.yml': 'name: Fork\nurl: https://containers.example.org\n' });
    await repo.commit('fork', '2024-01-01T00:00:00Z');
    const result = await runSifhub(['build'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('! url is https://containers.example.org, a placeholder: every pull command the site shows names containers.example.org. Set url in registry.yml to where the site is served.');
  });
});
