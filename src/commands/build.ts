import { styleText } from 'node:util';
import { InputError, visible } from '../errors.ts';
import { defineCommand, positiveWholeNumber, REGISTRY_OPTION } from './command.ts';
import { done, printWarning } from './output.ts';

export default defineCommand({
  name: 'build',
  description:
    'Builds the static site: pages, shub manifests, the JSON API and the search index. Unchanged\n' +
    'collections\' output and unchanged records\' parses are kept from the last build unless --fresh.\n' +
    'Download and star counts come from GitHub when GITHUB_TOKEN is set; SIFHUB_SEARCH_SHARD_RECORDS\n' +
    'sets how many containers a search shard holds.',
  options: {
    registry: REGISTRY_OPTION,
    out: { type: 'string', value: 'DIR', default: 'dist', help: 'where the site is: a link to the newest complete site in .DIR-sites/, switched in one step when the build succeeds' },
    quiet: { type: 'boolean', help: 'print only errors from the page renderer' },
    fresh: { type: 'boolean', help: 'ignore what earlier builds kept and build everything' },
    json: { type: 'boolean', help: 'print the result as JSON: { ok, out, counts, files, reused, seconds, warnings } or { ok: false, problems }' },
  },
  async run(values) {
    const shardText = process.env.SIFHUB_SEARCH_SHARD_RECORDS;
    const searchShardRecords = shardText === undefined || shardText === '' ? undefined : positiveWholeNumber(shardText, 'SIFHUB_SEARCH_SHARD_RECORDS');
    const [{ buildSite }, { githubAccessFromEnv }, { plural }, { placeholderUrlProblem, libraryHostProblem, orasHostProblem }, { platformHostProblem }] = await Promise.all([
      import('../pipeline/build.ts'),
      import('../github/octokit.ts'),
      import('../site/format.ts'),
      import('../schema/site-config.ts'),
      import('../hosts/index.ts'),
    ]);
    const started = performance.now();
    const result = await buildSite({ registryDir: values.registry, outDir: values.out, quiet: values.quiet || values.json, fresh: values.fresh, github: githubAccessFromEnv(), gitlab: { CI_API_V4_URL: process.env.CI_API_V4_URL, CI_PROJECT_ID: process.env.CI_PROJECT_ID, SIFHUB_GITLAB_TOKEN: process.env.SIFHUB_GITLAB_TOKEN }, searchShardRecords }).catch((error: unknown) => {
      if (values.json && error instanceof InputError) return error;
      throw error;
    });
    if (result instanceof InputError) {
      console.log(JSON.stringify({ ok: false, problems: result.problems }, null, 2));
      return 1;
    }
    const placeholder = placeholderUrlProblem(result.site.config.url);
    const hostProblems = [libraryHostProblem(result.site.config), orasHostProblem(result.site.config), platformHostProblem(result.site)].filter((p) => p !== undefined);
    const warnings = [...(placeholder ? [placeholder] : []), ...hostProblems, ...result.warnings];
    const { counts } = result.site;
    // Wall time: the stages overlap (pages and the search index), so their sum would overstate it.
    const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    if (values.json) {
      console.log(JSON.stringify({ ok: true, out: values.out, counts, files: result.files, reused: result.reused, seconds, warnings }, null, 2));
      return 0;
    }
    for (const warning of warnings) printWarning(warning);
    const uncommitted = result.site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags)).filter((t) => t.uncommitted);
    console.log(
      done(`Built ${values.out}/: ${plural(counts.collections, 'collection')}, ${plural(counts.containers, 'container')}, ${plural(counts.tags, 'tag')}, `) +
        `${plural(result.files.manifests, 'shub manifest')}${result.files.library > 0 ? `, ${plural(result.files.library, 'library:// file')}` : ''}${result.reused > 0 ? ` written, ${plural(result.reused, 'unchanged collection')} kept` : ''} (${seconds.toFixed(1)} s)`,
    );
    if (uncommitted.length > 0) {
      console.log(styleText('yellow', `! ${plural(uncommitted.length, 'tag record')} differ from the last commit and are shown as uncommitted: ${uncommitted.slice(0, 3).map((t) => visible(t.file)).join(', ')}${uncommitted.length > 3 ? ', …' : ''}`));
    }
    return 0;
  },
});
