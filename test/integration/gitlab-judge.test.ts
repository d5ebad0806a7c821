import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { describeImage, tagRecord, type Image } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { PROJECT } from '../helpers/run-workflow.ts';

// The GitLab judge (`sifhub check-merge-requests`), as a pipeline of the default branch runs it:
// the open merge requests come from a fake GitLab API in GitLab's shapes, their heads from a real
// origin that keeps refs/merge-requests/IID/head as GitLab does (for forks too), the images from
// an https server. Each verdict is a commit status on the head, with a comment when it fails.

const run = promisify(execFile);
const FIXTURE = new URL('../fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif', import.meta.url);

let dir: string;
let origin: string;
let clone: string;
let images: ImageServer;
let api: http.Server;
let apiUrl: string;
let good: Image;

interface Request { iid: number; sha: string; author: string; source_project_id: number }
const requests: Request[] = [];
const statuses: { id: number; sha: string; name: string; status: string; description: string; target_url?: string; created_at: string }[] = [];
const notes: { iid: number; body: string }[] = [];
const merges: { iid: number; sha: string }[] = [];
const calls: string[] = [];

/** GitLab's API, as far as sifhub uses it, answering for project 42 (lab/images) only. */
function fakeGitLab(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://gitlab');
  calls.push(`${req.method} ${url.pathname}`);
  if (req.headers['private-token'] !== 'project-token') return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"401 Unauthorized"}');
  const json = (value: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    // The project by its ID (CI_PROJECT_ID) or by its path, as GitLab answers both.
    const prefix = ['/api/v4/projects/42', '/api/v4/projects/lab%2Fimages'].find((p) => url.pathname.startsWith(`${p}/`));
    if (!prefix) return json({ message: '404 Project Not Found' }, 404);
    const rest = url.pathname.slice(prefix.length);
    if (req.method === 'GET' && rest === '/merge_requests') {
      expect(url.searchParams.get('state')).toBe('opened');
      const open = requests.filter(() => url.searchParams.get('target_branch') === 'main');
      return json(open.map((r) => ({ iid: r.iid, sha: r.sha, source_branch: `change-${r.iid}`, source_project_id: r.source_project_id, target_branch: 'main', draft: false, web_url: `https://gitlab.example.edu/lab/images/-/merge_requests/${r.iid}`, author: { id: r.iid, username: r.author } })));
    }
    const statusesOf = /^\/repository\/commits\/([0-9a-f]{40})\/statuses$/.exec(rest);
    if (req.method === 'GET' && statusesOf) return json(statuses.filter((s) => s.sha === statusesOf[1] && s.name === url.searchParams.get('name')));
    const setStatus = /^\/statuses\/([0-9a-f]{40})$/.exec(rest);
    if (req.method === 'POST' && setStatus) {
      const given = JSON.parse(body) as { state: string; name: string; description: string; target_url?: string };
      const status = { id: statuses.length + 1, sha: setStatus[1]!, name: given.name, status: given.state, description: given.description, target_url: given.target_url, created_at: new Date().toISOString() };
      statuses.push(status);
      return json(status, 201);
    }
    const branch = /^\/repository\/branches\/([^/]+)$/.exec(rest);
    if (req.method === 'GET' && branch) {
      return void run('git', ['-C', origin, 'rev-parse', decodeURIComponent(branch[1]!)]).then(({ stdout }) => json({ name: branch[1], commit: { id: stdout.trim() } }));
    }
    const merge = /^\/merge_requests\/(\d+)\/merge$/.exec(rest);
    if (req.method === 'PUT' && merge) {
      const { sha } = JSON.parse(body) as { sha: string };
      const request = requests.find((r) => r.iid === Number(merge[1]));
      if (request?.sha !== sha) return json({ message: 'SHA does not match HEAD of source branch' }, 409);
      merges.push({ iid: request.iid, sha });
      return json({ iid: request.iid, state: 'merged', sha });
    }
    const awards = /^\/issues\/(\d+)\/award_emoji$/.exec(rest);
    if (req.method === 'GET' && awards) {
      // Issue 12 has three 👍 and a 🎉, over two pages; anything else is not there.
      if (awards[1] !== '12') return json({ message: '404 Not found' }, 404);
      const page = url.searchParams.get('page') ?? '1';
      const all = [{ name: 'thumbsup' }, { name: 'tada' }, { name: 'thumbsup' }, { name: 'thumbsup' }];
      res.setHeader('x-next-page', page === '1' ? '2' : '');
      return json(page === '1' ? all.slice(0, 2) : all.slice(2));
    }
    const note = /^\/merge_requests\/(\d+)\/notes$/.exec(rest);
    if (req.method === 'POST' && note) {
      notes.push({ iid: Number(note[1]), body: (JSON.parse(body) as { body: string }).body });
      return json({ id: notes.length, body: notes.at(-1)!.body }, 201);
    }
    return json({ message: '404 Not Found' }, 404);
  });
}

const git = (cwd: string, ...args: string[]) => run('git', ['-C', cwd, '-c', 'user.name=Someone', '-c', 'user.email=someone@example.edu', ...args]).then((r) => r.stdout.trim());

/** A merge request: a branch off main with `files`, pushed to origin as GitLab keeps it (refs/merge-requests/IID/head). */
async function mergeRequest(iid: number, author: string, files: Record<string, string>, fork = false, from = 'origin/main'): Promise<string> {
  await git(clone, 'checkout', '-q', '-B', `change-${iid}`, from);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(clone, file)), { recursive: true });
    await writeFile(path.join(clone, file), text);
  }
  await git(clone, 'add', '-A');
  await git(clone, 'commit', '-qm', `change ${iid}`);
  const sha = await git(clone, 'rev-parse', 'HEAD');
  await git(clone, 'push', '-q', 'origin', `+HEAD:refs/merge-requests/${iid}/head`);
  await git(clone, 'checkout', '-q', 'main');
  requests.push({ iid, sha, author, source_project_id: fork ? 99 : 42 });
  return sha;
}

function judge(extra: Record<string, string> = {}) {
  return runSifhub(['check-merge-requests'], clone, {
    CI_API_V4_URL: `${apiUrl}/api/v4`, CI_PROJECT_ID: '42', CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: 'main', CI_JOB_URL: 'https://gitlab.example.edu/lab/images/-/jobs/7',
    SIFHUB_GITLAB_TOKEN: 'project-token', SIFHUB_ALLOW_HOST: 'localhost', ...images.trust, ...extra,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-judge-'));
  const bytes = await readFile(FIXTURE);
  images = await startImageServer({ '/tool.sif': bytes });
  good = describeImage(bytes, `${images.base}/tool.sif`);
  api = http.createServer(fakeGitLab);
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  origin = path.join(dir, 'origin.git');
  await run('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  clone = path.join(dir, 'images');
  const init = await runSifhub(['init', clone, '--forge', 'gitlab', '--name', 'Lab images', '--url', 'https://lab.pages.gitlab.example.edu/images', '--repository', 'https://gitlab.example.edu/lab/images', '--maintainers', 'grace'], dir);
  expect(init.code, init.stderr).toBe(0);
  await mkdir(path.join(clone, 'registry/lab/tool'), { recursive: true });
  await writeFile(path.join(clone, 'registry/lab/README.md'), '---\nowners: [ada.lovelace]\n---\n');
  await writeFile(path.join(clone, 'registry/lab/tool/1.0.md'), tagRecord(good));
  await git(clone, 'add', '-A');
  await git(clone, 'commit', '-qm', 'Start the registry');
  await git(clone, 'remote', 'add', 'origin', origin);
  await git(clone, 'push', '-q', 'origin', 'main');
  await git(clone, 'fetch', '-q', 'origin');
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await images?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('stars on GitLab', () => {
  it('counts each collection\'s 👍 award emoji on its stars issue in GitLab CI, links the issue GitLab\'s way, and shows "—" where the issue is missing', async () => {
    const registry = path.join(dir, 'starred');
    await mkdir(path.join(registry, 'registry/lab/tool'), { recursive: true });
    await mkdir(path.join(registry, 'registry/bio/aligner'), { recursive: true });
    await writeFile(path.join(registry, 'registry/registry.yml'), 'name: Lab\nurl: https://lab.pages.gitlab.example.edu/images\nrepository: https://gitlab.example.edu/lab/images\nforge: gitlab\n');
    await writeFile(path.join(registry, 'registry/lab/README.md'), '---\nstarsIssue: 12\n---\n');
    await writeFile(path.join(registry, 'registry/bio/README.md'), '---\nstarsIssue: 13\n---\n');
    await writeFile(path.join(registry, 'registry/lab/tool/1.0.md'), tagRecord(good));
    await writeFile(path.join(registry, 'registry/bio/aligner/1.0.md'), tagRecord(good));
    await run('git', ['init', '-q', '-b', 'main', registry]);
    await git(registry, 'add', '-A');
    await git(registry, 'commit', '-qm', 'start');
    // In GitLab CI: the project running the pipeline, by the API and ID CI names.
    const built = await runSifhub(['build', '--quiet'], registry, { CI_API_V4_URL: `${apiUrl}/api/v4`, CI_PROJECT_ID: '42', SIFHUB_GITLAB_TOKEN: 'project-token' });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Some stars from GitLab are unknown and show "—": bio: issue #13');
    expect(calls).toContain('GET /api/v4/projects/42/issues/12/award_emoji');
    const api = JSON.parse(await readFile(path.join(registry, 'dist/api/v1/collections/lab.json'), 'utf8')) as { stars: number | null; starsIssue: string };
    expect(api).toMatchObject({ stars: 3, starsIssue: 'https://gitlab.example.edu/lab/images/-/issues/12' });
    expect((JSON.parse(await readFile(path.join(registry, 'dist/api/v1/collections/bio.json'), 'utf8')) as { stars: number | null }).stars).toBeNull();
    expect(await readFile(path.join(registry, 'dist/stars/index.html'), 'utf8')).toContain('Counts are read from GitLab');
  }, 120_000);
});

describe('sifhub check-merge-requests (GitLab)', () => {
  it('judges each open merge request from the default branch: an owner\'s tag passes; a stranger\'s change, a rewritten pipeline or a forbidden change from a fork fails, with a comment', async () => {
    const owners = await mergeRequest(1, 'ada.lovelace', { 'registry/lab/tool/2.0.md': tagRecord(good) });
    const stranger = await mergeRequest(2, 'mallory', { 'registry/lab/tool/1.0.md': tagRecord({ ...good, url: `${images.base}/other.sif` }) });
    // The pipeline, rewritten to pass anything, beside a new collection of the author's own: the judge runs from main's copy.
    const pipeline = await mergeRequest(3, 'mallory', { '.gitlab-ci.yml': 'judge:\n  script: [exit 0]\n', 'registry/mallory/README.md': '---\nowners: [mallory]\n---\n', 'registry/mallory/x/1.0.md': tagRecord(good) });
    const fork = await mergeRequest(4, 'eve', { 'registry/lab/tool/1.0.md': `${tagRecord(good)}Edited from a fork.\n` }, true);

    const result = await judge();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 open merge requests into main; 4 judged now');
    const verdict = (sha: string) => statuses.filter((s) => s.sha === sha).at(-1);
    expect(verdict(owners)).toMatchObject({ name: 'sifhub', status: 'success', target_url: 'https://gitlab.example.edu/lab/images/-/jobs/7' });
    for (const sha of [stranger, pipeline, fork]) expect(verdict(sha)?.status, sha).toBe('failed');
    // Each was running before its verdict, and says what it was judged against.
    expect(statuses.filter((s) => s.sha === owners).map((s) => s.status)).toEqual(['running', 'success']);
    expect(verdict(owners)?.description).toMatch(/against main@[0-9a-f]{12}$/);
    // The comments name the problems, as text.
    expect(notes.map((n) => n.iid).sort()).toEqual([2, 3, 4]);
    expect(notes.find((n) => n.iid === 2)!.body).toContain('mallory');
    expect(notes.find((n) => n.iid === 3)!.body).toContain('.gitlab-ci.yml');
    expect(notes.find((n) => n.iid === 3)!.body).toMatch(/^```text$/m);
  }, 180_000);

  it('judges a head once against the same default branch, and again when the head moves', async () => {
    const before = statuses.length;
    const again = await judge();
    expect(again.stdout).toContain('4 open merge requests into main; 0 judged now');
    expect(statuses.length).toBe(before);
    // The owner pushes again: only that head is judged.
    const moved = await mergeRequest(1, 'ada.lovelace', { 'registry/lab/tool/2.1.md': tagRecord(good) });
    requests.splice(requests.findIndex((r) => r.iid === 1), 1);
    requests.find((r) => r.iid === 1)!.sha = moved;
    const third = await judge();
    expect(third.stdout).toContain('1 judged now');
    expect(statuses.at(-1)).toMatchObject({ sha: moved, status: 'success' });
  }, 180_000);

  it('judges the merge that would land: an older branch as it merges, a conflict as one; with automerge: owners it merges an owner\'s own change at the judged head', async () => {
    const before = await git(clone, 'rev-parse', 'origin/main');
    // main moves on: automerge for owners, and a collection (not ada's) the older branches do not have.
    const yml = (await readFile(path.join(clone, 'registry/registry.yml'), 'utf8')).replace('automerge: off', 'automerge: owners');
    await writeFile(path.join(clone, 'registry/registry.yml'), yml);
    await mkdir(path.join(clone, 'registry/bio/aligner'), { recursive: true });
    await writeFile(path.join(clone, 'registry/bio/README.md'), '---\nowners: [grace]\n---\n');
    await writeFile(path.join(clone, 'registry/bio/aligner/1.0.md'), tagRecord(good));
    await git(clone, 'add', '-A');
    await git(clone, 'commit', '-qm', 'automerge for owners, and grace\'s bio collection');
    await git(clone, 'push', '-q', 'origin', 'main');
    await git(clone, 'fetch', '-q', 'origin');
    // Branched before bio existed: judged as it merges, not as ada deleting grace's records.
    const older = await mergeRequest(5, 'ada.lovelace', { 'registry/lab/tool/3.0.md': tagRecord(good) }, false, before);
    // The same line main changed, changed otherwise.
    const conflict = await mergeRequest(6, 'grace', { 'registry/registry.yml': yml.replace('automerge: owners', 'automerge: off # keep it off') }, false, before);
    const result = await judge();
    expect(result.stderr).toBe('');
    const verdict = (sha: string) => statuses.filter((s) => s.sha === sha).at(-1);
    expect(verdict(older)?.status).toBe('success');
    expect(verdict(conflict)?.status).toBe('failed');
    expect(notes.find((n) => n.iid === 6)!.body).toContain('does not merge cleanly into main');
    // Merged: the owners' own changes that passed (5, and 1, judged again since main moved), each at its judged head; nothing else.
    expect(merges.map((m) => m.iid).sort()).toEqual([1, 5]);
    expect(merges.find((m) => m.iid === 5)!.sha).toBe(older);
    // Judged again because main moved, the failing heads got no second comment.
    expect(notes.filter((n) => n.iid === 2)).toHaveLength(1);
  }, 240_000);

  it('runs as the pipeline\'s judge job (gitlab-ci-local): a merge request that brings its own sifhub, validator and pipeline beside a forbidden change still fails', async () => {
    const tool = await mergeRequest(7, 'mallory', {
      'registry/lab/tool/1.0.md': `${tagRecord(good)}Taken over.\n`,
      // A sifhub of its own, for npx to find in the checkout, and a pipeline that trusts it.
      'package.json': '{ "name": "x", "dependencies": { "sifhub": "file:./fake" } }\n',
      'fake/package.json': '{ "name": "sifhub", "version": "0.1.0", "bin": { "sifhub": "cli.js" } }\n',
      'fake/cli.js': '#!/usr/bin/env node\nconsole.log(JSON.stringify({ ok: true, problems: [], images: [] }));\n',
      '.gitlab-ci.yml': 'judge:\n  script: [npx sifhub check-merge-requests]\n',
    });
    const job = await run(process.execPath, [path.join(PROJECT, 'node_modules/gitlab-ci-local/dist/index.js'), '--force-shell-executor', '--no-color', 'judge',
      '--variable', `SIFHUB_RUN=${process.execPath} ${path.join(PROJECT, 'scripts/sifhub.ts')}`, '--variable', 'CI_PIPELINE_SOURCE=schedule', '--variable', 'SIFHUB_ONLY=merge-requests',
      '--variable', `CI_API_V4_URL=${apiUrl}/api/v4`, '--variable', 'CI_PROJECT_ID=42', '--variable', 'SIFHUB_GITLAB_TOKEN=project-token', '--variable', 'SIFHUB_ALLOW_HOST=localhost',
      '--variable', `NODE_EXTRA_CA_CERTS=${images.trust.NODE_EXTRA_CA_CERTS}`, '--variable', 'CI_JOB_URL=https://gitlab.example.edu/lab/images/-/jobs/8'],
      { cwd: clone, env: { ...process.env, HOME: dir }, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}`, stderr: '' }));
    expect(job.stdout).toContain('PASS  judge');
    expect(statuses.filter((s) => s.sha === tool).at(-1)).toMatchObject({ status: 'failed', target_url: 'https://gitlab.example.edu/lab/images/-/jobs/8' });
    const note = notes.find((n) => n.iid === 7)!.body;
    expect(note).toContain('mallory');
    expect(note).toContain('package.json');
  }, 240_000);

  it('refuses to judge from any branch but the default one, and says which variables are missing', async () => {
    const fromBranch = await judge({ CI_COMMIT_BRANCH: 'change-1' });
    expect(fromBranch.code).toBe(2);
    expect(fromBranch.stderr).toContain('check-merge-requests judges from the default branch (main), not from change-1');
    const noToken = await judge({ SIFHUB_GITLAB_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('SIFHUB_GITLAB_TOKEN is not set');
  }, 60_000);
});
