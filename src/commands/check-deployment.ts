import { EnvironmentError, UsageError } from '../errors.ts';
import { defineCommand } from './command.ts';
import { done } from './output.ts';

export default defineCommand({
  name: 'check-deployment',
  usage: '--url URL [--token TOKEN] [--json]',
  description:
    'Fetches the API, the manifests of a few tags and the home page of a live site, retrying while a\n' +
    'new deployment comes up (SIFHUB_DEPLOY_WAIT_SECONDS, default 150). A private registry is checked\n' +
    'with --token, and every file checked must also answer 401 without it.',
  options: {
    url: { type: 'string', value: 'URL', help: 'the deployed site\'s URL (required)' },
    json: { type: 'boolean', help: 'print the result as JSON: { ok, checked, problems }' },
    token: { type: 'string', value: 'TOKEN', help: 'a private registry\'s token (default SIFHUB_TOKEN); then every file checked must also answer 401 without it' },
  },
  async run(values) {
    if (!values.url || !URL.canParse(values.url)) throw new UsageError('check-deployment needs --url with the deployed site\'s URL', 'check-deployment');
    const { checkDeployment } = await import('../serve/check-deployment-http.ts');
    // Pages needs a moment before a new deployment answers; SIFHUB_DEPLOY_WAIT_SECONDS bounds the wait.
    const wait = Number(process.env.SIFHUB_DEPLOY_WAIT_SECONDS ?? 150);
    const result = await checkDeployment(values.url, { attempts: Math.max(1, Math.floor(wait / 15)), delayMs: 15_000, tags: 3, token: values.token ?? (process.env.SIFHUB_TOKEN || undefined) });
    if (values.json) {
      console.log(JSON.stringify({ ok: result.problems.length === 0, checked: result.checked, problems: result.problems }, null, 2));
      return result.problems.length === 0 ? 0 : 3;
    }
    for (const p of result.checked) console.log(done(`${values.url.replace(/\/*$/, '')}${p}`));
    if (result.problems.length > 0) throw new EnvironmentError(`The deployed site at ${values.url} is broken:\n  ${result.problems.join('\n  ')}`);
    return 0;
  },
});
