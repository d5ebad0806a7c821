import { InputError, UsageError } from '../../errors.ts';
import { defineCommand } from '../command.ts';
import { done } from '../output.ts';
import type { RegistryAnswers } from './templates.ts';

export default defineCommand({
  name: 'init',
  summary: 'create a new registry repository',
  description:
    'Creates a registry repository in DIR: registry/registry.yml, the pull-request and publish\n' +
    'workflows running sifhub\'s GitHub Action at this version, Dependabot to keep it current, a\n' +
    'README for contributors, .gitignore and editor wiring for the record schemas. No example\n' +
    'records. Asks for what is missing on a terminal; defaults come from the git remote "origin".',
  arguments: [{ name: 'DIR', help: 'the new repository\'s folder (default .): empty, or a fresh clone', optional: true }],
  options: {
    name: { type: 'string', value: 'NAME', help: 'the registry\'s name, shown on every page' },
    url: { type: 'string', value: 'URL', help: 'where the site is served (https; GitHub Pages: https://OWNER.github.io/REPO)' },
    repository: { type: 'string', value: 'URL', help: 'the repository\'s web address (https://github.com/OWNER/REPO)' },
    maintainers: { type: 'string', value: 'LOGIN[,LOGIN…]', help: 'GitHub logins who review everything' },
    contact: { type: 'string', value: 'EMAIL', help: 'who runs the registry' },
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

    const registry: RegistryAnswers = {
      name: answers.name!,
      url: answers.url!,
      repository: answers.repository!,
      maintainers: answers.maintainers!.split(',').map((m) => m.trim()).filter(Boolean),
      contact: answers.contact || undefined,
    };
    // The registry.yml about to be written is checked as any registry.yml is: every problem at once.
    const display = `${dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`}registry/registry.yml`;
    const yml = templates.registryYml(registry);
    const checked = checkRecord({ display, text: yml }, 'config');
    if (!checked.ok) throw new InputError(checked.problems);

    const action = templates.actionAt(packageVersion());
    const files: Record<string, string> = {
      'registry/registry.yml': yml,
      ...Object.fromEntries(Object.entries(recordJsonSchemas()).map(([name, schema]) => [`registry/.schema/${name}`, toJsonText(schema)])),
      '.github/workflows/pull-request.yml': templates.pullRequestWorkflow(action),
      '.github/workflows/publish.yml': templates.publishWorkflow(action),
      '.github/dependabot.yml': templates.dependabotConfig(),
      'README.md': templates.contributorsReadme(registry),
      '.gitignore': templates.GITIGNORE,
      '.vscode/settings.json': templates.vscodeSettings(),
    };
    await writeRegistryFiles(dir, files);
    const isRepository = await gitSucceeds(dir, ['rev-parse', '--git-dir']);
    if (!isRepository) await git(dir, ['init', '-q', '-b', 'main']);

    console.log(done(`Created the registry "${registry.name}" in ${dir}`));
    for (const file of Object.keys(files).filter((f) => !f.startsWith('registry/.schema/'))) console.log(`  ${file}`);
    console.log(`
Next:
  1. Commit and push:  git -C ${dir} add -A && git -C ${dir} commit -m "Start the registry" && git -C ${dir} push
  2. On GitHub: Settings → Pages → Source: GitHub Actions; Settings → Actions: allow ${templates.ACTION_REPOSITORY}.
  3. Protect main: require the "check" status of the Pull request workflow.
  4. Add a collection: registry/COLLECTION/README.md with owners, then tags (see README.md).`);
    return 0;
  },
});
