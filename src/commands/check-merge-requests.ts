import { EnvironmentError, UsageError } from '../errors.ts';
import { defineCommand, REGISTRY_OPTION } from './command.ts';
import { done } from './output.ts';

// The GitLab judge. A merge request pipeline runs the merge request's own .gitlab-ci.yml (a
// fork's, in the fork), so no pipeline a merge request starts can judge it. This command runs in a
// pipeline of the default branch instead (scheduled, or started by hand): for each open merge
// request into it, it fetches the head as git objects (refs/merge-requests/IID/head, which GitLab
// keeps in the target project for forks too), judges the merge that would land with this sifhub's
// validate and verify (--base the default branch, --head that merge, nothing checked out or run),
// and sets the commit status `sifhub` on the head, with a comment naming every problem; with
// `automerge: owners`, it merges an owner's change to their own collections. A verdict is kept
// until the head or the default branch moves.

const STATUS = 'sifhub';

interface Verdict {
  ok: boolean;
  problems: string[];
}

export default defineCommand({
  name: 'check-merge-requests',
  description:
    'Judges every open GitLab merge request into the default branch with validate and verify, from\n' +
    'a pipeline of the default branch (whose configuration a merge request cannot change), and sets\n' +
    'the commit status "sifhub" on each head, with a comment naming the problems. A head already\n' +
    'judged against the same default branch is not judged again. With `automerge: owners`, merges a\n' +
    'passed change that touches only collections its author owns, at the judged head. Reads GitLab CI\'s variables\n' +
    '(CI_API_V4_URL, CI_PROJECT_ID, CI_DEFAULT_BRANCH, CI_JOB_URL) and SIFHUB_GITLAB_TOKEN, a project\n' +
    'access token with the api scope kept in a protected variable.',
  options: {
    registry: REGISTRY_OPTION,
    remote: { type: 'string', value: 'NAME', default: 'origin', help: 'the git remote of the GitLab project, to fetch merge requests from' },
  },
  async run(values) {
    const [api, { git }, { execFile }, { promisify }] = await Promise.all([import('../gitlab/api.ts'), import('../git/run-git.ts'), import('node:child_process'), import('node:util')]);
    const env = process.env;
    const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_DEFAULT_BRANCH', 'SIFHUB_GITLAB_TOKEN'].filter((name) => !env[name]);
    if (missing.length > 0) throw new UsageError(`check-merge-requests runs in a GitLab CI job of the default branch: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`, 'check-merge-requests');
    const access = { api: env.CI_API_V4_URL!, project: env.CI_PROJECT_ID!, token: env.SIFHUB_GITLAB_TOKEN! };
    const target = env.CI_DEFAULT_BRANCH!;
    const cwd = process.cwd();
    const base = (await git(cwd, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
    const current = (await git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
    if (env.CI_COMMIT_BRANCH !== undefined && env.CI_COMMIT_BRANCH !== target) {
      throw new UsageError(`check-merge-requests judges from the default branch (${target}), not from ${env.CI_COMMIT_BRANCH}: its configuration is the one a merge request cannot change`, 'check-merge-requests');
    }
    const marker = `against ${target}@${base.slice(0, 12)}`;
    const run = promisify(execFile);
    const sifhub = async (args: string[]): Promise<{ code: number; stdout: string }> => {
      try {
        const { stdout } = await run(process.execPath, [...process.execArgv, process.argv[1]!, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...env, SIFHUB_GITLAB_TOKEN: '' } });
        return { code: 0, stdout };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        if (typeof e.code !== 'number' || e.code > 1) throw new EnvironmentError(`sifhub ${args[0]} could not judge: ${(e.stderr ?? '').trim().slice(-500)}`);
        return { code: e.code, stdout: e.stdout ?? '' };
      }
    };

    const requests = await api.openMergeRequests(access, target);
    let judged = 0;
    for (const request of requests) {
      const history = await api.statusesOf(access, request.sha, STATUS);
      const already = history[0];
      if (already && (already.status === 'success' || already.status === 'failed') && already.description?.endsWith(marker)) {
        console.log(`  !${request.iid} ${request.sha.slice(0, 12)}: judged already (${already.status})`);
        continue;
      }
      // The head as git objects, from the target project: nothing of it is checked out.
      const ref = `refs/sifhub/merge-requests/${request.iid}`;
      await git(cwd, ['fetch', '--quiet', '--no-tags', values.remote, `+refs/merge-requests/${request.iid}/head:${ref}`]);
      const fetched = (await git(cwd, ['rev-parse', '--verify', `${ref}^{commit}`])).trim();
      if (fetched !== request.sha) {
        console.log(`  !${request.iid}: its head moved while it was fetched; the next run judges it`);
        continue;
      }
      await api.setStatus(access, request.sha, { state: 'running', name: STATUS, description: `judging ${marker}`, targetUrl: env.CI_JOB_URL });
      // What would land: the head merged into the default branch, made as git objects (merge-tree,
      // commit-tree: nothing checked out, no merge driver of the merge request's). A branch that
      // started before the default branch moved is judged as it would merge, not as deleting what
      // came after it.
      const merged = await mergeOf(request.sha);
      const verdict = merged === undefined
        ? { ok: false, problems: [`it does not merge cleanly into ${target} (${base.slice(0, 12)}): merge ${target} into its branch or rebase it, then push`] }
        : await judge(merged, request.author.username);
      const description = `${verdict.ok ? 'the records keep the rules, and every new image is what they say' : `${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'}`} ${marker}`;
      await api.setStatus(access, request.sha, { state: verdict.ok ? 'success' : 'failed', name: STATUS, description, targetUrl: env.CI_JOB_URL });
      // One comment per head: judged again only because the default branch moved, it says nothing new.
      if (!verdict.ok && !history.some((s) => s.status === 'failed')) await api.addNote(access, request.iid, toNote(request.sha, verdict.problems, env.CI_JOB_URL));
      console.log(`  !${request.iid} ${request.sha.slice(0, 12)} by ${request.author.username}: ${verdict.ok ? 'passes' : `${verdict.problems.length} problem(s)`}`);
      judged++;
      if (verdict.ok && merged !== undefined) await automerge(request, merged);
    }
    console.log(done(`${requests.length} open merge request${requests.length === 1 ? '' : 's'} into ${target}${current === target ? '' : ` (${current})`}; ${judged} judged now`));
    return 0;

    /** The merge of `head` into the default branch as a commit of git objects; undefined when it conflicts. */
    async function mergeOf(head: string): Promise<string | undefined> {
      const tree = await git(cwd, ['merge-tree', '--write-tree', '--no-messages', base, head]).catch(() => undefined);
      if (tree === undefined) return undefined;
      return (await git(cwd, ['-c', 'user.name=sifhub', '-c', 'user.email=sifhub@localhost', 'commit-tree', tree.trim(), '-p', base, '-p', head, '-m', 'The merge that would land'])).trim();
    }

    /**
     * With \`automerge: owners\` in the default branch's registry.yml, merges a passed merge request
     * that changes only records of collections its author owns there: at exactly the judged head,
     * and only while the default branch is still where it was judged, so what lands is what was judged.
     */
    async function automerge(request: { iid: number; sha: string; author: { username: string } }, merged: string): Promise<void> {
      const [{ readRegistryAt, readRegistryFilesAt, changesOutsideRecords }, { recordOrUndefined }, { whyNotOwnersOnly }, { CONFIG_FILE }] = await Promise.all([
        import('../records/read-registry-git.ts'),
        import('../records/check-record.ts'),
        import('../records/check-change.ts'),
        import('../records/layout.ts'),
      ]);
      const baseFiles = await readRegistryFilesAt(values.registry, base);
      if (recordOrUndefined(baseFiles.find((f) => f.path === CONFIG_FILE), 'config')?.automerge !== 'owners') return;
      const headFiles = await readRegistryAt(values.registry, merged, 'the merge');
      const reason = whyNotOwnersOnly({ base: baseFiles, head: headFiles.files, author: request.author.username, outside: await changesOutsideRecords(values.registry, base, merged) });
      if (reason) return void console.log(`    waits for a maintainer: ${reason}`);
      if ((await api.branchTip(access, target)) !== base) return void console.log(`    waits: ${target} moved since it was judged; the next run judges it again`);
      const refused = await api.mergeAt(access, request.iid, request.sha);
      console.log(refused ? `    waits for a maintainer: GitLab did not merge it (${refused})` : `    merged: ${request.author.username} owns every collection it changes`);
    }

    /** validate, then verify (only when the records hold): what the GitHub check runs, read from git objects. */
    async function judge(head: string, author: string): Promise<Verdict> {
      const validated = await sifhub(['validate', '--registry', values.registry, '--base', base, '--head', head, '--author', author, '--json']);
      const validation = JSON.parse(validated.stdout) as { ok: boolean; problems: { file?: string; field?: string; line?: number; message: string }[] };
      if (!validation.ok) return { ok: false, problems: validation.problems.map((p) => `${p.file ?? ''}${p.field ? ` ${p.field}` : ''}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`) };
      const verified = await sifhub(['verify', '--registry', values.registry, '--base', base, '--head', head, '--json']);
      const verification = JSON.parse(verified.stdout) as { ok: boolean; images: { file: string; field: string; url: string; ok: boolean; failure?: string }[] };
      if (verification.ok) return { ok: true, problems: [] };
      return { ok: false, problems: verification.images.filter((i) => !i.ok).map((i) => `${i.file} ${i.field}: ${i.url} ${i.failure ?? 'failed'}`) };
    }
  },
});

/** The comment on a failed merge request: every problem, as text (names come from strangers, so never as Markdown). */
function toNote(sha: string, problems: readonly string[], jobUrl: string | undefined): string {
  const text = problems.map((p) => p.replace(/```/g, "'''")).join('\n');
  return `sifhub found ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in ${sha.slice(0, 12)}${jobUrl ? ` ([job](${jobUrl}))` : ''}:\n\n\`\`\`text\n${text}\n\`\`\`\n\nPush a fix: the next run judges the new head.`;
}
