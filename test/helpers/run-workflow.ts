import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Runs a workflow job here the way GitHub runs it: each step in order, stopping at the first that
// fails. `run:` steps go to bash with their expressions evaluated; actions/checkout checks out the
// ref it is given in the workspace (a clone); `uses: ./` runs the action.yml of the workspace as
// checked out (as GitHub does), sifhub/sifhub@v… runs this project's action.yml (the pinned
// release), composite steps included; actions/cache restores from and saves to `cacheStore` (a
// folder standing for GitHub's cache service: entries by key, restore-keys as prefixes, saved
// once the job passed, never overwritten); aws-actions/configure-aws-credentials gives the steps
// after it the keys `assumeRole` returns for its role (standing for AWS's exchange of GitHub's
// OIDC token); setup-node and the Pages actions are GitHub's and are skipped (this project's
// node_modules/.bin puts Node 24 on the PATH).

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
  'working-directory'?: string;
}
export interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  needs?: string | string[];
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
}
export interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

interface StepResult {
  name: string;
  code: number;
  output: string;
}

export interface JobRun {
  /** 0 when every step passed. */
  code: number;
  steps: StepResult[];
  output: string;
  /** The job's `outputs:`, evaluated: what a job that `needs` it reads as needs.JOB.outputs.NAME. */
  outputs: Record<string, string>;
}

/** `${{ expression }}` values: "github.event.pull_request.base.sha" → "abc…". */
export type Context = Record<string, string>;

export function parseWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

function evaluate(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in context)) throw new Error(`the test does not know \${{ ${expression} }}`);
    return context[expression]!;
  });
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-eo', 'pipefail', '-c', script], { cwd, env: { ...process.env, ...env, PATH: `${path.join(PROJECT, 'node_modules/.bin')}:${process.env.PATH}`, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' }, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** Where an action the test can run lives: the workspace for `./`, this project for a pinned sifhub. */
function actionDir(uses: string, workspace: string): string | undefined {
  if (uses === './') return workspace;
  return /^sifhub\/sifhub@v\d+\.\d+\.\d+$/.test(uses) ? PROJECT : undefined;
}

/** What actions/cache does: `restore` before the build, `save` in its post step (paths as bash words, relative to the workspace). */
async function cacheStep(step: Step, context: Context, workspace: string, store: string): Promise<{ result: { code: number; output: string }; save: () => Promise<StepResult> }> {
  const key = evaluate(String(step.with?.key), context);
  const prefixes = String(step.with?.['restore-keys'] ?? '').split('\n').map((line) => evaluate(line.trim(), context)).filter(Boolean);
  const paths = String(step.with?.path).split('\n').map((line) => line.trim()).filter(Boolean);
  const entries = (await readdir(store).catch(() => [] as string[])).sort().reverse();
  const hit = entries.includes(encodeURIComponent(key)) ? encodeURIComponent(key) : entries.find((e) => prefixes.some((p) => decodeURIComponent(e).startsWith(p)));
  // `cp -a` keeps what tar keeps: symbolic links as links, modes, times.
  const result = hit ? await bash(`cp -a ${JSON.stringify(path.join(store, hit))}/. .`, workspace, {}) : { code: 0, output: `Cache not found for ${key}\n` };
  const save = async (): Promise<StepResult> => {
    const name = `Post ${step.uses}`;
    if (hit === encodeURIComponent(key)) return { name, code: 0, output: `Cache hit on ${key}: not saved\n` };
    const target = path.join(store, encodeURIComponent(key));
    const copy = await bash(`mkdir -p ${JSON.stringify(target)} && for p in ${paths.map((p) => JSON.stringify(p)).join(' ')}; do if [ -e "$p" ] || [ -L "$p" ]; then cp -a --parents "$p" ${JSON.stringify(target)}/; fi; done`, workspace, {});
    return { name, ...copy };
  };
  return { result: { code: result.code, output: hit ? `Restored ${decodeURIComponent(hit)}\n${result.output}` : result.output }, save };
}

/** Runs `job` in `workspace` with `context` for its expressions and `env` as the runner's environment. */
export async function runJob(
  job: Job,
  workspace: string,
  context: Context,
  env: Record<string, string> = {},
  options: { cacheStore?: string; assumeRole?: (role: string, region: string) => Record<string, string> } = {},
): Promise<JobRun> {
  const steps: StepResult[] = [];
  const posts: (() => Promise<StepResult>)[] = [];
  let base: Record<string, string> = { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, ...env };
  // Steps' outputs join the context as steps.ID.outputs.NAME, read from $GITHUB_OUTPUT as the runner does.
  context = { ...context };
  const outputsDir = await mkdtemp(path.join(tmpdir(), 'sifhub-step-outputs-'));
  for (const [index, step] of job.steps.entries()) {
    const name = step.name ?? step.uses ?? step.run ?? '';
    const outputFile = path.join(outputsDir, String(index));
    const stepEnv = { ...base, GITHUB_OUTPUT: outputFile, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, context)])) };
    let result: { code: number; output: string };
    if (step.run !== undefined) {
      result = await bash(step.run, workspace, stepEnv);
    } else if (step.uses?.startsWith('actions/checkout@')) {
      const ref = step.with?.ref === undefined ? 'HEAD' : evaluate(String(step.with.ref), context);
      result = await bash(`git checkout -q --detach ${ref}`, workspace, stepEnv);
    } else if (step.uses && actionDir(step.uses, workspace)) {
      const dir = actionDir(step.uses, workspace)!;
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [`inputs.${k}`, evaluate(String(v), context)]));
      result = await runAction(dir, { ...context, ...inputs, 'github.action_path': dir }, stepEnv);
    } else if (step.uses?.startsWith('actions/cache@') && options.cacheStore) {
      const cache = await cacheStep(step, context, workspace, options.cacheStore);
      posts.push(cache.save);
      result = cache.result;
    } else if (step.uses?.startsWith('aws-actions/configure-aws-credentials@') && options.assumeRole) {
      // As the action does: the role's temporary keys and the region, for every later step.
      const role = evaluate(String(step.with?.['role-to-assume'] ?? ''), context);
      const region = evaluate(String(step.with?.['aws-region'] ?? ''), context);
      base = { ...base, AWS_REGION: region, AWS_DEFAULT_REGION: region, ...options.assumeRole(role, region) };
      result = { code: 0, output: `Assumed ${role} in ${region}` };
    } else if (step.uses?.startsWith('actions/')) {
      continue;
    } else {
      throw new Error(`the test cannot run ${step.uses}`);
    }
    steps.push({ name, ...result });
    if (step.id !== undefined) {
      for (const line of (await readFile(outputFile, 'utf8').catch(() => '')).split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) context[`steps.${step.id}.outputs.${line.slice(0, eq)}`] = line.slice(eq + 1);
      }
    }
    if (result.code !== 0) break;
  }
  await rm(outputsDir, { recursive: true, force: true });
  // actions/cache saves in its post step, and only for a job whose steps all passed.
  if (steps.every((s) => s.code === 0)) for (const post of posts) steps.push(await post());
  const failed = steps.find((s) => s.code !== 0);
  const outputs = failed ? {} : Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, evaluate(v, context)]));
  return { code: failed?.code ?? 0, steps, output: steps.map((s) => `## ${s.name}\n${s.output}`).join('\n'), outputs };
}

/** The composite action in `dir`, with `context` holding its inputs. */
async function runAction(dir: string, context: Context, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const action = parse(await readFile(path.join(dir, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } };
  const withDefaults: Context = { ...Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [`inputs.${k}`, v.default ?? ''])), ...context };
  let output = '';
  for (const step of action.runs.steps) {
    if (step.uses?.startsWith('actions/setup-node@')) continue;
    if (step.run === undefined || step.shell !== 'bash') throw new Error(`the test cannot run the action's step ${step.name ?? step.uses}`);
    const cwd = step['working-directory'] ? evaluate(step['working-directory'], withDefaults) : env.GITHUB_WORKSPACE!;
    const stepEnv = { ...env, GITHUB_ACTION_PATH: dir, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, withDefaults)])) };
    const result = await bash(step.run, cwd, stepEnv);
    output += result.output;
    if (result.code !== 0) return { code: result.code, output };
  }
  return { code: 0, output };
}
