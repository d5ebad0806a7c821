import { execFile } from 'node:child_process';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { tagRecord, TempRepo, image } from '../helpers/git-repo.ts';

// The workflows in .github/workflows/: their safety properties, and their exact `run:` commands
// executed here on a base branch and a pull request branch (the install step aside: the
// project's own node_modules stand in for it).

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const read = async (name: string) => {
  const text = await readFile(path.join(PROJECT, '.github/workflows', name), 'utf8');
  return { text, workflow: parse(text) as Workflow };
};

describe('workflow safety', () => {
  it('pins every action to a full commit SHA with a version comment', async () => {
    for (const name of ['pull-request.yml', 'publish.yml']) {
      const { text } = await read(name);
      const uses = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) expect(line, `${name}: ${line.trim()}`).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });

  it('runs pull requests without secrets or write access, cancelling superseded runs', async () => {
    const { text, workflow } = await read('pull-request.yml');
    const code = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(code).not.toContain('pull_request_target');
    expect(code).not.toContain('secrets.');
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.concurrency['cancel-in-progress']).toBe(true);
    for (const job of Object.values(workflow.jobs)) {
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      for (const step of job.steps) expect(step.run ?? '', 'PR-controlled strings reach run only through env').not.toContain('${{');
    }
  });

  it('publishes one deployment at a time, with the least permissions each job needs', async () => {
    const { workflow } = await read('publish.yml');
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'schedule', 'workflow_dispatch']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.concurrency).toEqual({ group: 'pages', 'cancel-in-progress': false });
    expect(workflow.jobs.deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', issues: 'read' });
    for (const job of Object.values(workflow.jobs)) {
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      for (const step of job.steps) expect(step.run ?? '').not.toContain('${{');
    }
    const checkout = workflow.jobs.build!.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout).toMatchObject({ with: { 'fetch-depth': 0 } });
  });
});

/** Runs one step's `run:` with bash, its `env:` expressions replaced by `context` values. */
function runStep(step: Step, cwd: string, context: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.env ?? {})) {
    env[key] = value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expression: string) => {
      if (!(expression in context)) throw new Error(`the test does not know ${expression}`);
      return context[expression]!;
    });
  }
  return new Promise((resolve) => {
    execFile('bash', ['-eo', 'pipefail', '-c', step.run!], { cwd, env: { ...process.env, ...extraEnv, ...env, PATH: `${path.join(PROJECT, 'node_modules/.bin')}:${process.env.PATH}`, NO_COLOR: '1' }, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('the workflows\' commands', () => {
  let repo: TempRepo;
  let baseSha: string;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    repo = await TempRepo.create();
    // The project beside the records, as in a fork: the same scripts, sources and packages.
    for (const entry of ['package.json', 'node_modules', 'scripts', 'src', 'astro.config.mjs', 'tsconfig.json']) {
      await symlink(path.join(PROJECT, entry), path.join(repo.dir, entry));
    }
    await repo.write({
      '.gitignore': 'node_modules\ndist\n',
      'registry/registry.yml': 'name: Fork registry\nurl: https://lab.github.io/registry\nmaintainers: [boss]\n',
      'registry/lab/README.md': '---\nowners: [ada]\n---\n',
      'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\n'),
    });
    baseSha = await repo.commit('base', '2024-01-01T00:00:00Z');
    await repo.git('checkout', '-q', '-b', 'pull-request');
    await repo.write({ 'registry/lab/tool/README.md': '---\nsummary: A tool.\n---\n', 'registry/lab/tool/1.0.md': `${tagRecord(image(1), 'frozen: true\n')}Notes.\n` });
    await repo.commit('describe the tool', '2024-02-01T00:00:00Z');
  });

  afterAll(async () => {
    await server?.close();
    await repo.dispose();
  });

  const prSteps = async () => (await read('pull-request.yml')).workflow.jobs.check!.steps.filter((s) => s.run && !s.run.startsWith('npm ci'));

  it('passes a pull request by a collection owner: validate, verify and build', async () => {
    const steps = await prSteps();
    expect(steps.map((s) => s.name)).toEqual(['Validate the records and what the change may do', 'Verify new and changed images', 'Build the site']);
    for (const step of steps) {
      const result = await runStep(step, repo.dir, { 'github.event.pull_request.base.sha': baseSha, 'github.event.pull_request.user.login': 'ada' });
      expect(result.code, `${step.name}\n${result.output}`).toBe(0);
    }
  });

  it('fails a pull request by someone else, saying why', async () => {
    const [validate] = await prSteps();
    const result = await runStep(validate!, repo.dir, { 'github.event.pull_request.base.sha': baseSha, 'github.event.pull_request.user.login': 'mallory' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('mallory may not change collection "lab": its owners are ada');
  });

  it('checks the deployed site with the publish workflow\'s command', async () => {
    const { workflow } = await read('publish.yml');
    const check = workflow.jobs.check!.steps.find((s) => s.run?.includes('check-deployment'))!;
    server = await startStaticServer({ root: path.join(repo.dir, 'dist'), base: '/registry' });
    const result = await runStep(check, repo.dir, { 'needs.deploy.outputs.page_url': `${server.url}/` });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`✔ ${server.url}/api/container/lab/tool:1.0@${image(1).md5}`);
    await server.close();
    server = await startStaticServer({ root: path.join(repo.dir, 'registry'), base: '/registry' }); // not a site
    const broken = await runStep(check, repo.dir, { 'needs.deploy.outputs.page_url': `${server.url}/` }, { SIFHUB_DEPLOY_WAIT_SECONDS: '0' });
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain('/api/v1/registry.json answered 404, expected 200');
  }, 120_000);
});
