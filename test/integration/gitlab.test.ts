import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { runSifhub } from '../helpers/cli.ts';
import { image, tagRecord } from '../helpers/git-repo.ts';
import { PROJECT } from '../helpers/run-workflow.ts';

// A registry on GitLab: `sifhub init --forge gitlab` (or a repository on a GitLab server) writes
// a .gitlab-ci.yml, and gitlab-ci-local (GitLab CI's rules, variables, cache and artifacts, run
// with the shell executor) runs its publish pipeline: the `pages` job builds the site GitLab Pages
// would publish, and `check` checks it served, as after a deploy. sifhub runs as the pinned
// release from npm in a real pipeline; here SIFHUB_RUN names this checkout's instead.

const run = promisify(execFile);
const GITLAB_CI_LOCAL = path.join(PROJECT, 'node_modules/gitlab-ci-local/dist/index.js');
const SIFHUB_RUN = `${process.execPath} ${path.join(PROJECT, 'scripts/sifhub.ts')}`;
const VERSION = (JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;
const hasRsync = existsSync('/usr/bin/rsync');

let dir: string;
let registry: string;

/** gitlab-ci-local running jobs of the registry's pipeline as on a push to main. */
async function pipeline(jobs: string[], variables: Record<string, string> = {}): Promise<string> {
  const args = [GITLAB_CI_LOCAL, '--force-shell-executor', '--no-color', '--variable', `SIFHUB_RUN=${SIFHUB_RUN}`, '--variable', 'CI_PIPELINE_SOURCE=push', ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]), ...jobs];
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, HOME: dir };
  const { stdout, stderr } = await run(process.execPath, args, { cwd: registry, env, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`gitlab-ci-local ${jobs.join(' ')} failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`);
  });
  return stdout + stderr;
}

const git = (...args: string[]) => run('git', ['-C', registry, '-c', 'user.name=Ada', '-c', 'user.email=ada@lab.example.edu', ...args]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-gitlab-'));
  registry = path.join(dir, 'images');
  const init = await runSifhub(['init', registry, '--name', 'Lab images', '--url', 'https://lab.pages.gitlab.example.edu/images', '--repository', 'https://gitlab.example.edu/lab/images', '--maintainers', 'ada.lovelace'], dir);
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
}, 60_000);

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('sifhub init for GitLab', () => {
  it('writes GitLab CI, Renovate and a merge-request README in place of every GitHub file, GitLab usernames accepted', async () => {
    const files = (await readdir(registry, { recursive: true })).filter((f) => !f.startsWith('.git/') && f !== '.git').sort();
    expect(files).toEqual(expect.arrayContaining(['.gitignore', '.gitlab-ci.yml', 'README.md', 'registry/registry.yml', 'renovate.json']));
    expect(files.some((f) => f.startsWith('.github'))).toBe(false);
    const yml = await readFile(path.join(registry, 'registry/registry.yml'), 'utf8');
    expect(yml).toContain('# GitLab usernames who may change every collection');
    expect(parse(yml)).toMatchObject({ maintainers: ['ada.lovelace'], repository: 'https://gitlab.example.edu/lab/images' });
    const readme = await readFile(path.join(registry, 'README.md'), 'utf8');
    expect(readme).toContain('Open a merge request');
    expect(readme).not.toMatch(/pull request|github-release/);
    // The pipeline runs the pinned release, from npm: never a file of the repository.
    const ci = parse(await readFile(path.join(registry, '.gitlab-ci.yml'), 'utf8')) as { variables: Record<string, string> };
    expect(ci.variables.SIFHUB_RUN).toBe(`npx --yes sifhub@${VERSION}`);
  });

  it('keeps the sifhub pin current with Renovate: its pattern finds the version the pipeline and the README run', async () => {
    const renovate = JSON.parse(await readFile(path.join(registry, 'renovate.json'), 'utf8')) as { customManagers: { matchStrings: string[]; datasourceTemplate: string; depNameTemplate: string }[] };
    const [manager] = renovate.customManagers;
    expect(manager).toMatchObject({ datasourceTemplate: 'npm', depNameTemplate: 'sifhub' });
    const pattern = new RegExp(manager!.matchStrings[0]!.replace('(?<currentValue>', '('), 'g');
    for (const file of ['.gitlab-ci.yml', 'README.md']) {
      const found = [...(await readFile(path.join(registry, file), 'utf8')).matchAll(pattern)].map((m) => m[1]);
      expect(found.length, file).toBeGreaterThan(0);
      expect(new Set(found), file).toEqual(new Set([VERSION]));
    }
  });

  it('publishes to a bucket instead, signed in with GitLab\'s ID token as the role, in a pipeline gitlab-ci-local accepts', async () => {
    const target = path.join(dir, 'bucket');
    const result = await runSifhub(['init', target, '--forge', 'gitlab', '--name', 'Lab', '--url', 'https://images.lab.example.edu', '--repository', 'https://gitlab.example.edu/lab/images', '--maintainers', 'ada',
      '--deploy-to', 's3://lab-images/site', '--aws-role', 'arn:aws:iam::123456789012:role/registry', '--aws-region', 'eu-west-3'], dir);
    expect(result.code, result.stderr).toBe(0);
    const ci = parse(await readFile(path.join(target, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; id_tokens?: Record<string, { aud: string }>; variables?: Record<string, string> }>;
    expect(ci.pages).toBeUndefined();
    expect(ci.deploy!.id_tokens).toEqual({ AWS_ID_TOKEN: { aud: 'sts.amazonaws.com' } });
    expect(ci.deploy!.variables).toMatchObject({ AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/registry', AWS_REGION: 'eu-west-3' });
    expect(ci.deploy!.script!.at(-1)).toBe('$SIFHUB_RUN deploy dist s3://lab-images/site');
    expect(ci.check!.script).toEqual(['$SIFHUB_RUN check-deployment --url "https://images.lab.example.edu"']);
    await run('git', ['-C', target, '-c', 'user.name=Ada', '-c', 'user.email=ada@lab.example.edu', 'commit', '-qm', 'start', '--allow-empty']);
    const listed = await run(process.execPath, [GITLAB_CI_LOCAL, '--list', '--variable', 'CI_PIPELINE_SOURCE=push'], { cwd: target, env: { ...process.env, HOME: dir } });
    expect(listed.stdout).toMatch(/deploy\s+publish/);
  }, 60_000);

  it('asks for the forge when the repository\'s host does not say', async () => {
    const result = await runSifhub(['init', path.join(dir, 'unknown'), '--name', 'Lab', '--url', 'https://images.lab.example.edu', '--repository', 'https://code.lab.example.edu/lab/images', '--maintainers', 'ada'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot tell the forge from code.lab.example.edu: add --forge github, --forge gitlab, or --forge none');
    const chosen = await runSifhub(['init', path.join(dir, 'chosen'), '--forge', 'gitlab', '--name', 'Lab', '--url', 'https://images.lab.example.edu', '--repository', 'https://code.lab.example.edu/lab/images', '--maintainers', 'ada'], dir);
    expect(chosen.code).toBe(0);
    expect(existsSync(path.join(dir, 'chosen/.gitlab-ci.yml'))).toBe(true);
    // No forge's automation at all: the site is built where it is served (docs/own-servers.md).
    const none = await runSifhub(['init', path.join(dir, 'none'), '--forge', 'none', '--name', 'Lab', '--url', 'https://images.lab.example.edu', '--repository', 'https://code.lab.example.edu/lab/images', '--maintainers', 'ada'], dir);
    expect(none.code).toBe(0);
    const files = await readdir(path.join(dir, 'none'));
    expect(files.filter((f) => f.startsWith('.github') || f === '.gitlab-ci.yml' || f === 'renovate.json')).toEqual([]);
    expect(await readFile(path.join(dir, 'none/README.md'), 'utf8')).toContain('Open a change (a merge request, or a branch for the maintainers to merge)');
  });
});

describe.skipIf(!hasRsync)('the GitLab publish pipeline, run by gitlab-ci-local', () => {
  let site: StaticServer | undefined;
  afterAll(async () => site?.close());

  beforeAll(async () => {
    await run('mkdir', ['-p', path.join(registry, 'registry/lab/tool')]);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(registry, 'registry/lab/README.md'), '---\nowners: [ada.lovelace]\n---\nThe lab\'s tools.\n');
    await writeFile(path.join(registry, 'registry/lab/tool/1.0.md'), tagRecord(image(1)));
    await run('mkdir', ['-p', path.join(registry, 'registry/bio/aligner')]);
    await writeFile(path.join(registry, 'registry/bio/aligner/2.1.md'), tagRecord(image(3)));
    await git('add', '-A');
    await git('commit', '-qm', 'Start the registry');
    await git('remote', 'add', 'origin', 'https://gitlab.example.edu/lab/images.git');
  }, 60_000);

  it('lists the publish jobs for a push to main, and runs nothing for a merge request', async () => {
    const push = await pipeline(['--list']);
    expect(push).toMatch(/pages\s+publish/);
    expect(push).toMatch(/check\s+check/);
    // The judge needs its token: without it the job is not in the pipeline.
    expect(push).not.toMatch(/judge\s+publish/);
    const withToken = await pipeline(['--list'], { SIFHUB_GITLAB_TOKEN: 'project-token' });
    expect(withToken).toMatch(/judge\s+publish/);
    // The frequent schedule judges merge requests and publishes nothing.
    const judgeOnly = await pipeline(['--list'], { CI_PIPELINE_SOURCE: 'schedule', SIFHUB_ONLY: 'merge-requests', SIFHUB_GITLAB_TOKEN: 'project-token' });
    expect(judgeOnly).toMatch(/judge\s+publish/);
    expect(judgeOnly).not.toMatch(/pages\s+publish/);
    // A merge request's pipeline runs none of it: neither the publish nor the judge.
    const mergeRequest = await pipeline(['--list'], { CI_PIPELINE_SOURCE: 'merge_request_event', SIFHUB_GITLAB_TOKEN: 'project-token' });
    expect(mergeRequest).not.toMatch(/pages\s+publish/);
    expect(mergeRequest).not.toMatch(/judge\s+publish/);
    expect(mergeRequest).not.toMatch(/check\s+check/);
  }, 60_000);

  it('builds the site as the pages job\'s artifact, then a second run rebuilds from the restored cache', async () => {
    const first = await pipeline(['pages']);
    expect(first).toContain('PASS  pages');
    const published = path.join(registry, '.gitlab-ci-local/artifacts/pages/public');
    expect(existsSync(path.join(published, 'index.html'))).toBe(true);
    expect(JSON.parse(await readFile(path.join(published, 'api/container/lab/tool:1.0'), 'utf8'))).toMatchObject({ image: image(1).url, version: image(1).md5 });
    // The next push: the cache (sifhub's and the last site) comes back, and only what changed is built.
    await (await import('node:fs/promises')).writeFile(path.join(registry, 'registry/lab/tool/2.0.md'), tagRecord(image(2)));
    await git('add', '-A');
    await git('commit', '-qm', 'Add lab/tool:2.0');
    const second = await pipeline(['pages']);
    expect(second).toContain('PASS  pages');
    expect(second).toMatch(/Built dist\/: .* 1 unchanged collection kept/);
    expect(existsSync(path.join(published, 'api/container/lab/tool:2.0'))).toBe(true);
  }, 240_000);

  it('checks the published site in the check job, as it is served', async () => {
    site = await startStaticServer({ root: path.join(registry, '.gitlab-ci-local/artifacts/pages/public'), host: '127.0.0.1', port: 0, base: '/images' });
    const checked = await pipeline(['check'], { CI_PAGES_URL: site.url, SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(checked).toContain('PASS  check');
  }, 120_000);
});
