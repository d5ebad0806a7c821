import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { pullRequestWorkflow } from '../../src/commands/init/templates.ts';
import { parseWorkflow, PROJECT, runJob } from '../helpers/run-workflow.ts';

// The pull-request workflow of a registry made by `sifhub init`, run the way GitHub runs a
// pull_request_target workflow: the workflow file is read from the BASE commit, sifhub is the
// pinned action (this project), the workspace is a clone checked out at the base, and the pull
// request's head arrives as git objects under refs/pull/N/head. Whatever the pull request edits
// (the workflow, the validator, the CLI), the forbidden part of its change fails the check.

const SIF = await readFile(path.join(PROJECT, 'test/fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif'));
const sifImage = (url: string) => ({ url, size: SIF.length, sha256: createHash('sha256').update(SIF).digest('hex'), md5: createHash('md5').update(SIF).digest('hex') });

let images: ImageServer;
let origin: TempRepo;
let workspace: string;
let pullNumber = 0;

beforeAll(async () => {
  images = await startImageServer({ '/tool-2.0.sif': SIF, '/mirror-a/tool-2.0.sif': SIF, '/mirror-b/tool-2.0.sif': SIF });
});
afterAll(() => images.close());
afterEach(async () => {
  await origin?.dispose();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** A registry repository as `sifhub init` makes it, with two collections and this repository's code beside them. */
async function registryRepository(automerge: 'owners' | 'off' = 'off'): Promise<TempRepo> {
  origin = await TempRepo.create();
  const init = await runSifhub(['init', origin.dir, '--name', 'Lab', '--url', 'https://lab.github.io/registry', '--repository', 'https://github.com/lab/registry', '--maintainers', 'boss'], PROJECT);
  expect(init.code, init.stderr).toBe(0);
  const yml = await readFile(path.join(origin.registry, 'registry.yml'), 'utf8');
  expect(yml).toContain('\nautomerge: off\n');
  await origin.write({ 'registry/registry.yml': yml.replace('\nautomerge: off\n', `\nautomerge: ${automerge}\n`) });
  await origin.write({
    'registry/lab/README.md': '---\nowners: [ada]\n---\n',
    'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\n'),
    'registry/other/README.md': '---\nowners: [linus]\n---\n',
    'registry/other/thing/1.0.md': tagRecord(image(3)),
    // A registry that also holds code (sifhub's own repository does): what an attack edits.
    'src/records/check-change.ts': await readFile(path.join(PROJECT, 'src/records/check-change.ts'), 'utf8'),
    'scripts/sifhub.ts': await readFile(path.join(PROJECT, 'scripts/sifhub.ts'), 'utf8'),
  });
  await origin.commit('Start the registry', '2024-01-01T00:00:00Z', 'Boss');
  return origin;
}

/** A pull request: a commit on a branch, published as GitHub publishes it (refs/pull/N/head). */
async function pullRequest(files: Record<string, string>, remove: string[] = []) {
  const number = ++pullNumber;
  const base = (await origin.git('rev-parse', 'main')).trim();
  await origin.git('checkout', '-q', '-b', `pr-${number}`);
  await origin.write(files);
  for (const file of remove) await origin.remove(file);
  const head = await origin.commit('A change', '2024-02-01T00:00:00Z');
  await origin.git('update-ref', `refs/pull/${number}/head`, head);
  await origin.git('checkout', '-q', 'main');
  await origin.git('branch', '-q', '-D', `pr-${number}`);
  return { number, base, head };
}

/** Runs a job of the base's pull-request workflow, as `author`'s pull request. */
async function runCheck(pr: { number: number; base: string; head: string }, author: string, job = 'check', env: Record<string, string> = {}, judgedBase?: string) {
  const workflow = parseWorkflow(await origin.git('show', `${pr.base}:.github/workflows/pull-request.yml`));
  workspace = await mkdtemp(path.join(tmpdir(), 'sifhub-workspace-'));
  await rm(workspace, { recursive: true });
  await origin.git('clone', '-q', '--no-checkout', origin.dir, workspace);
  const context = {
    'github.event.pull_request.base.sha': pr.base,
    'github.event.pull_request.base.ref': 'main',
    // What the check job handed on: the tip it merged onto (by default the pull request's base).
    'needs.check.outputs.base': judgedBase ?? pr.base,
    'github.event.pull_request.head.sha': pr.head,
    'github.event.pull_request.user.login': author,
    'github.event.pull_request.number': String(pr.number),
    'github.token': 'ghs_workflowtoken',
  };
  return runJob(workflow.jobs[job]!, workspace, context, { SIFHUB_ALLOW_HOST: 'localhost', ...images.trust, ...env });
}

const FORBIDDEN = 'deletes a frozen tag; frozen tags never change image and are never deleted';

describe('the pull-request check, run as GitHub runs it', () => {
  it('passes an owner\'s new tag: validated and its image downloaded and verified', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'registry/lab/tool/2.0.md': tagRecord(sifImage(`${images.base}/tool-2.0.sif`)) });
    const run = await runCheck(pr, 'ada');
    expect(run.output).toContain('keeps the rules for ada');
    expect(run.output).toContain('✔ 1 image verified');
    expect(run.code, run.output).toBe(0);
  });

  it('passes a maintainer\'s change to the code', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'scripts/sifhub.ts': '// rewritten by a maintainer\n' });
    const run = await runCheck(pr, 'boss');
    expect(run.code, run.output).toBe(0);
  });

  it('fails a change to the code alone by someone who is not a maintainer, naming the file', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'scripts/sifhub.ts': '// "just a typo fix"\n' });
    const run = await runCheck(pr, 'ada');
    expect(run.code).toBe(1);
    expect(run.output).toContain('::error file=scripts/sifhub.ts,title=sifhub::ada may not change scripts/sifhub.ts: it is not a record');
  });

  it('fails a forbidden change that comes with a validator that allows everything', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'src/records/check-change.ts': 'export function checkChange() { return []; }\n' }, ['registry/lab/tool/1.0.md']);
    const run = await runCheck(pr, 'mallory');
    expect(run.code).toBe(1);
    expect(run.output).toContain(FORBIDDEN);
    expect(run.output).toContain('mallory may not change src/records/check-change.ts');
  });

  it('fails a forbidden change that comes with a CLI that exits 0', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'scripts/sifhub.ts': 'process.exit(0);\n', 'registry/other/thing/1.0.md': tagRecord(image(7)) });
    const run = await runCheck(pr, 'ada');
    expect(run.code).toBe(1);
    expect(run.output).toContain('ada may not change collection "other": its owners are linus');
    expect(run.output).toContain('ada may not change scripts/sifhub.ts');
  });

  it('fails a forbidden change that comes with a workflow that checks nothing', async () => {
    await registryRepository();
    const pr = await pullRequest({
      '.github/workflows/pull-request.yml': 'on: pull_request_target\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 0\n',
      'registry/registry.yml': 'name: Lab\nurl: https://lab.github.io/registry\nmaintainers: [boss, mallory]\n',
    });
    const run = await runCheck(pr, 'mallory');
    expect(run.code).toBe(1);
    expect(run.output).toContain('mallory may not change registry.yml: only maintainers may change the registry\'s own files (maintainers: boss)');
    expect(run.output).toContain('mallory may not change .github/workflows/pull-request.yml');
  });

  it('fails an image that is not what its record says, even from an owner', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'registry/lab/tool/2.0.md': tagRecord({ ...sifImage(`${images.base}/tool-2.0.sif`), size: SIF.length + 1 }) });
    const run = await runCheck(pr, 'ada');
    expect(run.code).toBe(1);
    expect(run.steps.map((s) => [s.name, s.code])).toEqual([
      ['actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', 0],
      ['Fetch the pull request\'s commits as data (never checked out)', 0],
      ['Merge it into the base branch\'s tip as data (the tree that would land)', 0],
      ['Validate the records and what the change may do', 0],
      ['Verify new and changed images', 1],
    ]);
  });
});

describe('this repository\'s own check (uses: ./), which runs the action of the base checkout', () => {
  it('fails a forbidden change that comes with an action.yml that exits 0', async () => {
    // sifhub's repository: its action.yml and code beside the demo registry. The code is linked
    // (this checkout); action.yml is a file of the repository, which the pull request rewrites.
    origin = await TempRepo.create();
    for (const entry of ['scripts', 'src', 'node_modules', 'package.json', 'astro.config.mjs', 'tsconfig.json']) await symlink(path.join(PROJECT, entry), path.join(origin.dir, entry));
    await origin.write({
      'action.yml': await readFile(path.join(PROJECT, 'action.yml'), 'utf8'),
      '.github/workflows/pull-request.yml': pullRequestWorkflow('./'),
      'registry/registry.yml': 'name: Demo\nurl: https://sifhub.github.io/sifhub\nmaintainers: [boss]\n',
      'registry/lab/README.md': '---\nowners: [ada]\n---\n',
      'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\n'),
    });
    await origin.commit('sifhub', '2024-01-01T00:00:00Z', 'Boss');
    const noop = 'name: sifhub\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: exit 0\n';
    const pr = await pullRequest({ 'action.yml': noop }, ['registry/lab/tool/1.0.md']);
    const run = await runCheck(pr, 'mallory');
    expect(run.code).toBe(1);
    expect(run.output).toContain(FORBIDDEN);
    expect(run.output).toContain('mallory may not change action.yml');
  });
});

describe('automerge: owners', () => {
  let github: FakeGitHub;
  afterEach(() => github?.close());

  async function merge(automerge: 'owners' | 'off', files: Record<string, string>, author: string, pull: { mergeable?: boolean; moved?: boolean; base?: string } = {}) {
    await registryRepository(automerge);
    const pr = await pullRequest(files);
    github = await startFakeGitHub({
      pulls: { [`lab/registry#${pr.number}`]: { head: pull.moved ? 'f'.repeat(40) : pr.head, author, base: pull.base ?? 'main', mergeable: pull.mergeable } },
      branches: { 'lab/registry:main': pr.base },
    });
    const run = await runCheck(pr, author, 'automerge', { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: 'lab/registry' });
    return { pr, run };
  }
  const ownersTag = { 'registry/lab/tool/2.0.md': tagRecord(image(5)) };

  it('merges an owner\'s change to their own collection at the checked commit, then starts the publish workflow', async () => {
    const { pr, run } = await merge('owners', ownersTag, 'Ada');
    expect(run.code, run.output).toBe(0);
    expect(github.writes.merges).toEqual([{ repo: 'lab/registry', number: pr.number, sha: pr.head, method: 'squash' }]);
    expect(github.writes.dispatches).toEqual([{ repo: 'lab/registry', workflow: 'publish.yml', ref: 'main' }]);
    expect(github.requests.every((r) => r.authorization === 'token ghs_workflowtoken')).toBe(true);
    expect(run.output).toContain(`Merged pull request #${pr.number}`);
  });

  it('merges nothing unless registry.yml asks for it', async () => {
    const { run } = await merge('off', ownersTag, 'ada');
    expect(run.code).toBe(0);
    expect(run.output).toContain('does not say `automerge: owners`');
    expect(github.requests).toEqual([]);
  });

  it.each([
    ['another owner\'s collection', { 'registry/other/thing/2.0.md': tagRecord(image(6)) }, 'ada', 'ada does not own the collection "other"'],
    ['a new collection', { 'registry/new/README.md': '---\nowners: [ada]\n---\n', 'registry/new/x/1.0.md': tagRecord(image(6)) }, 'ada', 'it adds the collection "new"'],
    ['registry.yml, by a maintainer', { 'registry/registry.yml': 'name: Lab 2\nurl: https://lab.github.io/registry\nmaintainers: [boss]\nautomerge: owners\n' }, 'boss', 'it changes registry.yml'],
    ['code beside an owner\'s record, by a maintainer who owns the collection', { ...ownersTag, 'registry/lab/README.md': '---\nowners: [ada, boss]\n---\n', 'scripts/sifhub.ts': '// new\n' }, 'boss', 'it changes scripts/sifhub.ts, which is not a record'],
  ])('leaves a change to %s for a maintainer', async (_, files, author, reason) => {
    const { run } = await merge('owners', files, author);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`Waits for a maintainer: ${reason}`);
    expect(github.writes.merges).toEqual([]);
  });

  it('leaves it when GitHub refuses the merge or the pull request moved since the check', async () => {
    let { run } = await merge('owners', ownersTag, 'ada', { mergeable: false });
    expect(run.code).toBe(0);
    expect(run.output).toContain('::warning title=sifhub::Waits for a maintainer: GitHub did not merge it: Pull Request is not mergeable');
    await github.close();
    await origin.dispose();
    ({ run } = await merge('owners', ownersTag, 'ada', { moved: true }));
    expect(run.output).toContain('moved to ffffffffffff after');
    expect(github.writes.merges).toEqual([]);
    expect(github.writes.dispatches).toEqual([]);
  });

  it('merges only into the default branch: a pull request into another branch waits', async () => {
    const { run } = await merge('owners', ownersTag, 'ada', { base: 'release' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('is into release, not the default branch main: only changes to main are merged automatically');
    expect(github.writes.merges).toEqual([]);
  });

  it('merges nothing once main moved since the check: a tag frozen and an owner removed meanwhile are judged again', async () => {
    await registryRepository('owners');
    // Lines apart from the image's, so the freeze below and the pull request merge cleanly.
    const described = 'architecture: amd64\nbootstrap: docker\n';
    await origin.write({ 'registry/lab/tool/2.0.md': tagRecord(image(2), described) });
    await origin.commit('Add 2.0', '2024-01-02T00:00:00Z', 'Boss');
    const pr = await pullRequest({ 'registry/lab/tool/2.0.md': tagRecord(sifImage(`${images.base}/tool-2.0.sif`), described) });
    const check = await runCheck(pr, 'ada');
    expect(check.code, check.output).toBe(0);
    expect(check.outputs.base).toBe(pr.base);
    // While the check ran (a slow download), a maintainer froze the tag and took ada off the owners.
    await origin.write({ 'registry/lab/tool/2.0.md': tagRecord(image(2), `${described}frozen: true\n`), 'registry/lab/README.md': '---\nowners: [grace]\n---\n' });
    const moved = await origin.commit('Freeze 2.0; grace owns lab now', '2024-02-02T00:00:00Z', 'Boss');
    github = await startFakeGitHub({ pulls: { [`lab/registry#${pr.number}`]: { head: pr.head, author: 'ada', base: 'main' } }, branches: { 'lab/registry:main': moved } });
    const run = await runCheck(pr, 'ada', 'automerge', { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: 'lab/registry' }, check.outputs.base);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`main moved to ${moved.slice(0, 12)} after the check judged the merge onto ${pr.base.slice(0, 12)}`);
    expect(github.writes.merges).toEqual([]);
    // Judged again, against main as it is now.
    const again = await runCheck(pr, 'ada');
    expect(again.code).toBe(1);
    expect(again.output).toContain('moves a frozen tag');
    expect(again.output).toContain('ada may not change collection "lab": its owners are grace');
  });
});

describe('the check judges the merge that would land, not the head alone', () => {
  it('fails the second of two pull requests that each add mirrors to one record, once the first has merged', async () => {
    await registryRepository();
    const record = tagRecord(sifImage(`${images.base}/tool-2.0.sif`), 'frozen: true\n');
    await origin.write({ 'registry/lab/tool/2.0.md': record });
    await origin.commit('Add 2.0', '2024-01-02T00:00:00Z', 'Boss');
    const withMirror = (after: string, mirror: string) => record.replace(after, `${after}mirrors: [${images.base}/${mirror}/tool-2.0.sif]\n`);
    const urlLine = `url: ${images.base}/tool-2.0.sif\n`;
    const first = await pullRequest({ 'registry/lab/tool/2.0.md': withMirror(urlLine, 'mirror-a') });
    const second = await pullRequest({ 'registry/lab/tool/2.0.md': withMirror('frozen: true\n', 'mirror-b') });
    expect(second.base).toBe(first.base);
    // Each passes alone.
    expect((await runCheck(first, 'ada')).code).toBe(0);
    expect((await runCheck(second, 'ada')).code).toBe(0);
    // The first is squashed into main; the second still merges cleanly on top, with the key twice.
    await origin.write({ 'registry/lab/tool/2.0.md': withMirror(urlLine, 'mirror-a') });
    await origin.commit('A change (#1)', '2024-02-02T00:00:00Z');
    const run = await runCheck(second, 'ada');
    expect(run.code).toBe(1);
    expect(run.steps.at(-1)!.name).toBe('Validate the records and what the change may do');
    expect(run.output).toMatch(/registry\/lab\/tool\/2\.0\.md[\s\S]*Map keys must be unique/);
  });

  it('fails a pull request that does not merge cleanly, saying what to do', async () => {
    await registryRepository();
    const pr = await pullRequest({ 'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\nsummary: one\n') });
    await origin.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\nsummary: two\n') });
    await origin.commit('Another change', '2024-02-02T00:00:00Z', 'Boss');
    const run = await runCheck(pr, 'ada');
    expect(run.code).toBe(1);
    expect(run.output).toContain('::error title=sifhub::The pull request does not merge cleanly into origin/main');
  });

  it('runs for pull requests into main only, and again when one is retargeted or edited', async () => {
    const workflow = parseWorkflow(pullRequestWorkflow('sifhub/sifhub@v1.0.0'));
    expect(workflow.on).toEqual({ pull_request_target: { types: ['opened', 'synchronize', 'reopened', 'edited'], branches: ['main'] } });
  });
});
