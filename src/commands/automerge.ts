import { EnvironmentError, UsageError, visible } from '../errors.ts';
import { defineCommand, positiveWholeNumber, REGISTRY_OPTION } from './command.ts';
import { done, printWarning } from './output.ts';

export default defineCommand({
  name: 'automerge',
  usage: '--base REF --head REF [--merge REF] --author LOGIN --pull-request N [--registry DIR] [--method merge|squash|rebase] [--publish-workflow FILE]',
  description:
    'When registry.yml says `automerge: owners` and the change from --base to --merge (the merge\n' +
    'of the pull request\'s head into --base that the check judged) touches only records of\n' +
    'collections that --author owns in --base, merges pull request N at --head through the GitHub\n' +
    'API (GITHUB_REPOSITORY, GITHUB_TOKEN with contents and pull-requests: write) and starts the\n' +
    'publish workflow on the default branch. It merges only into the repository\'s default branch,\n' +
    'and only while that branch\'s tip is still --base: then what lands is the tree that was judged.\n' +
    'Anything else waits for a maintainer (or the next check): it says why and exits 0. Run it only\n' +
    'after the checks passed (the generated workflow runs it in a job that needs them).',
  options: {
    registry: REGISTRY_OPTION,
    base: { type: 'string', value: 'REF', help: 'the pull request\'s base commit: who owns what is read from it' },
    head: { type: 'string', value: 'SHA', help: 'the pull request\'s head commit, as checked: GitHub merges only this commit' },
    merge: { type: 'string', value: 'REF', help: 'the merge of --head into --base that the check judged (default: --head)' },
    author: { type: 'string', value: 'LOGIN', help: 'the pull request\'s author' },
    'pull-request': { type: 'string', value: 'N', help: 'the pull request\'s number' },
    method: { type: 'string', value: 'METHOD', default: 'squash', help: 'merge, squash or rebase' },
    'publish-workflow': { type: 'string', value: 'FILE', default: 'publish.yml', help: 'the workflow to start after merging ("" for none)' },
  },
  async run(values) {
    const { base, head, author } = values;
    if (base === undefined || head === undefined || author === undefined || values['pull-request'] === undefined) {
      throw new UsageError('automerge needs --base, --head, --author and --pull-request', 'automerge');
    }
    const method = values.method;
    if (method !== 'merge' && method !== 'squash' && method !== 'rebase') throw new UsageError(`--method: expected merge, squash or rebase, received ${method}`, 'automerge');
    const number = positiveWholeNumber(values['pull-request'], '--pull-request', 'automerge');
    const [{ readRegistryAt, readRegistryFilesAt, changesOutsideRecords, resolveCommitOf }, { recordOrUndefined }, { whyNotOwnersOnly }, { CONFIG_FILE }] = await Promise.all([
      import('../records/read-registry-git.ts'),
      import('../records/check-record.ts'),
      import('../records/check-change.ts'),
      import('../records/layout.ts'),
    ]);
    const baseFiles = await readRegistryFilesAt(values.registry, base);
    const baseCommit = await resolveCommitOf(values.registry, base);
    const config = recordOrUndefined(baseFiles.find((f) => f.path === CONFIG_FILE), 'config');
    if (config?.automerge !== 'owners') {
      console.log(`Waits for a maintainer: registry.yml in ${base} does not say \`automerge: owners\`.`);
      return 0;
    }
    const judged = values.merge ?? head;
    const headFiles = await readRegistryAt(values.registry, judged, values.merge === undefined ? '--head' : '--merge');
    const outside = await changesOutsideRecords(values.registry, base, judged);
    const reason = whyNotOwnersOnly({ base: baseFiles, head: headFiles.files, author, outside });
    if (reason) {
      console.log(`Waits for a maintainer: ${visible(reason)}.`);
      return 0;
    }
    const repository = process.env.GITHUB_REPOSITORY;
    if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new EnvironmentError('GITHUB_REPOSITORY (owner/repo) is not set: automerge runs in GitHub Actions');
    const [{ mergePullRequest }, { githubAccessFromEnv }] = await Promise.all([import('../github/merge-pull-request.ts'), import('../github/octokit.ts')]);
    const access = githubAccessFromEnv();
    if (!access.token) throw new EnvironmentError('GITHUB_TOKEN is not set: merging needs a token with contents and pull-requests: write');
    const outcome = await mergePullRequest(
      { repository, number, head: await resolveCommitOf(values.registry, head), base: baseCommit, author, method, publishWorkflow: values['publish-workflow'] || undefined },
      access,
    ).catch((error: { status?: number; message?: string }) => {
      throw new EnvironmentError(`GitHub answered ${error.status ?? 'nothing'} while merging pull request #${number}: ${error.message}`, { cause: error });
    });
    if (!outcome.merged) {
      printWarning(`Waits for a maintainer: ${outcome.reason}`);
      return 0;
    }
    console.log(done(`Merged pull request #${number} (${outcome.sha.slice(0, 12)}): ${author} owns every collection it changes${outcome.published ? `; started ${values['publish-workflow']}` : ''}`));
    return 0;
  },
});
