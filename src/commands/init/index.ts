import { InputError, UsageError, visible } from '../../errors.ts';
import { defineCommand } from '../command.ts';
import { done } from '../output.ts';
import { parseS3Url } from '../../storage/s3-url.ts';
import type { RegistryAnswers } from './templates.ts';

export default defineCommand({
  name: 'init',
  description:
    'Creates a registry repository in DIR: registry/registry.yml, the pull-request and publish\n' +
    'workflows running sifhub\'s GitHub Action at this version, Dependabot to keep it current, a\n' +
    'README for contributors, .gitignore and editor wiring for the record schemas. No example\n' +
    'records. With --forge gitlab (or a repository on a GitLab server), a .gitlab-ci.yml that\n' +
    'publishes with this sifhub version and Renovate in place of the GitHub files; with --forge none,\n' +
    'no CI files (the site is built where it is served). Asks for what is\n' +
    'missing on a terminal; defaults come from the git remote "origin".',
  arguments: [{ name: 'DIR', help: 'the new repository\'s folder (default .): empty, or a fresh clone', optional: true }],
  options: {
    name: { type: 'string', value: 'NAME', help: 'the registry\'s name, shown on every page' },
    url: { type: 'string', value: 'URL', help: 'where the site is served (https; GitHub Pages: https://OWNER.github.io/REPO)' },
    repository: { type: 'string', value: 'URL', help: 'the repository\'s web address (https://github.com/OWNER/REPO, https://gitlab.example.edu/GROUP/REPO)' },
    forge: { type: 'string', value: 'github|gitlab|none', help: 'where the repository and its automation live (default: from --repository\'s host); none: no CI files, the site is built where it is served' },
    maintainers: { type: 'string', value: 'LOGIN[,LOGIN…]', help: 'GitHub logins who review everything' },
    contact: { type: 'string', value: 'EMAIL', help: 'who runs the registry' },
    'allow-hosts': { type: 'string', value: 'HOST|RANGE[,…]', help: 'internal image hosts the check may fetch from although not public (storage.lab.example.edu, 10.20.0.0/16)' },
    'deploy-to': { type: 'string', value: 's3://BUCKET[/PREFIX]', help: 'publish to this bucket (behind a CDN at --url) instead of GitHub Pages' },
    'aws-role': { type: 'string', value: 'ARN', help: 'with --deploy-to: the IAM role the publish workflow assumes with GitHub\'s OIDC token' },
    'aws-region': { type: 'string', value: 'REGION', help: 'with --deploy-to: the bucket\'s region (auto for Cloudflare R2)' },
    'aws-endpoint': { type: 'string', value: 'URL', help: 'with --deploy-to: the S3 API of a store other than AWS (R2, Ceph, MinIO)' },
  },
  async run(values, positionals) {
    const dir = positionals[0] ?? '.';
    const [{ entriesInTheWay, writeRegistryFiles }, templates, { checkRecord }, { recordJsonSchemas, toJsonText }, { packageVersion }, { defaultsFromRemote }, { git, gitSucceeds }] = await Promise.all([
      import('./create-registry-fs.ts'),
      import('./templates.ts'),
      import('../../records/check-record.ts'),
      import('../../schema/json-schema.ts'),
      import('../../package-root-node.ts'),
      import('./defaults-git.ts'),
      import('../../git/run-git.ts'),
    ]);
    refuseUnsafeInputs(values);
    const s3 = s3Deployment(values);
    const inTheWay = await entriesInTheWay(dir);
    if (inTheWay.length > 0) {
      throw new InputError([{ file: dir, message: `expected an empty folder (or a fresh clone), found ${inTheWay.slice(0, 5).join(', ')}${inTheWay.length > 5 ? ', …' : ''}; init writes a new registry, never over one` }]);
    }

    const defaults = await defaultsFromRemote(dir);
    const given = {
      name: values.name ?? defaults.name,
      url: values.url ?? defaults.url,
      repository: values.repository ?? defaults.repository,
      maintainers: values.maintainers ?? defaults.maintainers,
      contact: values.contact,
    };
    const onTerminal = process.stdin.isTTY && process.stdout.isTTY;
    const answers = onTerminal ? await (await import('./ask-tty.ts')).ask(given, { name: values.name, url: values.url, repository: values.repository, maintainers: values.maintainers }) : given;
    const missing = (['name', 'url', 'repository', 'maintainers'] as const).filter((k) => !answers[k]);
    if (missing.length > 0) {
      const why = onTerminal ? 'an answer was left empty' : 'no terminal to ask on, and no default from a git remote';
      throw new UsageError(`init needs ${missing.map((k) => `--${k}`).join(', ')} (${why})`, 'init');
    }

    refuseUnsafeInputs(answers); // defaults from the git remote, and what was typed
    const forge = forgeOf(values.forge, answers.repository!);
    const notLogins = forge === 'github' ? answers.maintainers!.split(',').map((m) => m.trim()).filter((m) => m && /[._]/.test(m)) : [];
    if (notLogins.length > 0) throw new UsageError(`--maintainers: ${notLogins.join(', ')} ${notLogins.length === 1 ? 'is' : 'are'} no GitHub login (letters, digits and single hyphens); on GitLab add --forge gitlab`, 'init');
    const registry: RegistryAnswers = {
      forge,
      name: answers.name!,
      url: answers.url!,
      repository: answers.repository!,
      maintainers: answers.maintainers!.split(',').map((m) => m.trim()).filter(Boolean),
      contact: answers.contact || undefined,
      allowHosts: values['allow-hosts']?.split(',').map((h) => h.trim()).filter(Boolean),
    };
    // The registry.yml about to be written is checked as any registry.yml is: every problem at once.
    const display = `${dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`}registry/registry.yml`;
    const yml = templates.registryYml(registry);
    const checked = checkRecord({ display, text: yml }, 'config');
    if (!checked.ok) throw new InputError(checked.problems);

    const action = templates.actionAt(packageVersion());
    const gitlab = forge === 'github' ? undefined : await import('./templates-gitlab.ts');
    const automation: Record<string, string> = gitlab
      ? {
          ...(forge === 'gitlab'
            ? {
                '.gitlab-ci.yml': gitlab.gitlabCi(packageVersion(), { url: registry.url, ...(s3 ? { s3: { ...s3, siteUrl: registry.url } } : {}) }),
                'renovate.json': gitlab.renovateConfig(),
              }
            : {}),
          'README.md': gitlab.gitlabContributorsReadme(registry, packageVersion(), forge === 'gitlab' ? 'gitlab' : 'none'),
        }
      : {
          '.github/workflows/pull-request.yml': templates.pullRequestWorkflow(action),
          '.github/workflows/publish.yml': s3 ? templates.publishS3Workflow(action, { ...s3, siteUrl: registry.url }) : templates.publishWorkflow(action),
          '.github/dependabot.yml': templates.dependabotConfig(),
          'README.md': templates.contributorsReadme(registry, packageVersion()),
        };
    const files: Record<string, string> = {
      'registry/registry.yml': yml,
      ...Object.fromEntries(Object.entries(recordJsonSchemas()).map(([name, schema]) => [`registry/.schema/${name}`, toJsonText(schema)])),
      ...automation,
      '.gitignore': templates.GITIGNORE,
      '.vscode/settings.json': templates.vscodeSettings(),
    };
    await writeRegistryFiles(dir, files);
    const isRepository = await gitSucceeds(dir, ['rev-parse', '--git-dir']);
    if (!isRepository) await git(dir, ['init', '-q', '-b', 'main']);

    console.log(done(`Created the registry "${registry.name}" in ${dir}`));
    for (const file of Object.keys(files).filter((f) => !f.startsWith('registry/.schema/'))) console.log(`  ${file}`);
    const hasRemote = await gitSucceeds(dir, ['remote', 'get-url', 'origin']);
    const clone = `${registry.repository.replace(/\/+$/, '')}.git`;
    const push = `${hasRemote ? '' : `git -C ${dir} remote add origin ${clone} && `}git -C ${dir} add -A && git -C ${dir} commit -m "Start the registry" && git -C ${dir} push -u origin main`;
    if (forge === 'none') {
      console.log(`
Next:
  1. Commit and push:  ${push}
  2. Build and deploy where the site is served (sifhub's docs/own-servers.md: a timer runs both).
  3. Review every change: judge it with the pinned sifhub as README.md says.
  4. Add a collection: registry/COLLECTION/README.md with owners, then tags (see README.md).`);
      return 0;
    }
    if (forge === 'gitlab') {
      console.log(`
Next:
  1. Commit and push:  ${push}
  2. On GitLab: Build → Pipeline schedules: daily on main (usage counts change), and every 10 minutes
     on main with the variable SIFHUB_ONLY=merge-requests (judges merge requests). Settings → CI/CD →
     Variables: SIFHUB_GITLAB_TOKEN, a project access token (scope api; role Developer, Maintainer for
     automerge: owners), protected and masked.${s3 ? ` The bucket, its CDN at ${registry.url} and the role ${s3.role}, trusting this project's ID tokens (sifhub's docs/hosts.md).` : ' Deploy → Pages shows the site\'s address once the first pipeline has run.'}
  3. Protect main (Settings → Repository → Protected branches: maintainers merge, nobody pushes);
     merge what the "sifhub" status passed (README.md says how to judge by hand).
  4. Add a collection: registry/COLLECTION/README.md with owners, then tags (see README.md).`);
      return 0;
    }
    console.log(`
Next:
  1. Commit and push:  ${push}
  2. ${s3 ? `The bucket, its CDN at ${registry.url} and the role ${s3.role} (sifhub's docs/hosts.md, "S3, R2, Ceph or MinIO behind a CDN"); on GitHub: Settings → Actions: allow ${templates.ACTION_REPOSITORY} and aws-actions/configure-aws-credentials.` : `On GitHub: Settings → Pages → Source: GitHub Actions; Settings → Actions: allow ${templates.ACTION_REPOSITORY}.`}
  3. Protect main: require the "check" status of the Pull request workflow, and branches up to date before merging.
  4. Add a collection: registry/COLLECTION/README.md with owners, then tags (see README.md).`);
    return 0;
  },
});

/**
 * Every input ends up in a file GitHub Actions reads: a `${{ … }}` would be evaluated there (a
 * secret printed, a step's input changed), and a line feed would end a YAML line early. Neither
 * belongs in a name, an address or an ARN.
 */
function refuseUnsafeInputs(values: object): void {
  for (const [option, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    if (value.includes('${{')) throw new UsageError(`--${option} may not contain \`\${{\` (GitHub Actions would evaluate it in the workflow), received "${visible(value)}"`, 'init');
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) throw new UsageError(`--${option} may not contain control characters (a line feed, a tab), received "${visible(value)}"`, 'init');
  }
}

/** --deploy-to and its role, region and endpoint, checked; undefined without --deploy-to. */
function s3Deployment(values: { 'deploy-to'?: string; 'aws-role'?: string; 'aws-region'?: string; 'aws-endpoint'?: string }): { target: string; role: string; region: string; endpoint?: string } | undefined {
  const { 'deploy-to': target, 'aws-role': role, 'aws-region': region, 'aws-endpoint': endpoint } = values;
  if (target === undefined) {
    if (role ?? region ?? endpoint) throw new UsageError('--aws-role, --aws-region and --aws-endpoint go with --deploy-to s3://BUCKET[/PREFIX]', 'init');
    return undefined;
  }
  const location = parseS3Url(target);
  if (typeof location === 'string') throw new UsageError(`--deploy-to ${location}`, 'init');
  if (!role || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(role)) throw new UsageError(`--deploy-to needs --aws-role with the role's ARN (arn:aws:iam::123456789012:role/NAME), received ${role === undefined ? 'none' : `"${role}"`}`, 'init');
  if (!region || !/^(auto|[a-z]{2}(-[a-z]+)+-\d)$/.test(region)) throw new UsageError(`--deploy-to needs --aws-region (us-east-1, eu-west-3; auto for Cloudflare R2), received ${region === undefined ? 'none' : `"${region}"`}`, 'init');
  if (endpoint !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) throw new UsageError(`--aws-endpoint expects the store's https URL, received "${endpoint}"`, 'init');
  return { target, role, region, ...(endpoint ? { endpoint } : {}) };
}

/** The forge --forge names, or the one --repository's host says; GitHub by default only on a GitHub host. */
function forgeOf(given: string | undefined, repository: string): 'github' | 'gitlab' | 'none' {
  if (given !== undefined) {
    if (given !== 'github' && given !== 'gitlab' && given !== 'none') throw new UsageError(`--forge expects github, gitlab or none, received "${visible(given)}"`, 'init');
    return given;
  }
  const host = URL.canParse(repository) ? new URL(repository).hostname.toLowerCase() : '';
  if (host.includes('gitlab')) return 'gitlab';
  if (host === 'github.com' || host.endsWith('.ghe.com') || host.includes('github')) return 'github';
  throw new UsageError(`cannot tell the forge from ${host || 'the repository'}: add --forge github, --forge gitlab, or --forge none (no CI: the site is built where it is served)`, 'init');
}
