// The files `sifhub init` writes into a new registry repository, and this repository's own
// workflows (the same texts, with the action taken from the checkout: `./`). Pure.

/** Where sifhub's GitHub Action lives; a registry names it with a version: sifhub/sifhub@v1.2.3. */
export const ACTION_REPOSITORY = 'sifhub/sifhub';

/** The third-party actions the workflows use, pinned to a commit (Dependabot keeps them current). */
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2';
const UPLOAD_PAGES = 'actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa # v3.0.1';
const CACHE = 'actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3';
const DEPLOY_PAGES = 'actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5';
const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2';

export interface RegistryAnswers {
  name: string;
  url: string;
  repository: string;
  maintainers: string[];
  contact?: string;
  /** Internal image hosts: host names and address ranges (registry.yml allowHosts). */
  allowHosts?: string[];
  /** Where the repository and its automation live (default github; none: no CI, built where served). */
  forge?: 'github' | 'gitlab' | 'none';
}

/** `uses:` of sifhub's action at `version` ("0.2.0"). */
export function actionAt(version: string): string {
  return `${ACTION_REPOSITORY}@v${version}`;
}

const PR = 'github.event.pull_request';

/** The options naming what is judged: the base branch's tip, and the merge that would land on it. */
const judged = (extra = '') => `          args: |
            --base=\${{ steps.merge.outputs.base }}
            --head=\${{ steps.merge.outputs.merge }}${extra}`;

// The pull request's commits arrive as git objects; its files are never checked out.
const checkoutBaseAndFetchHead = `      # The base branch: the records before the change, and nothing the pull request wrote.
      - uses: ${CHECKOUT}
        with:
          ref: \${{ ${PR}.base.sha }}
          fetch-depth: 0
          persist-credentials: false
      - name: Fetch the pull request's commits as data (never checked out)
        env:
          TOKEN: \${{ github.token }}
          PR_NUMBER: \${{ ${PR}.number }}
        run: |
          auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$TOKEN" | base64 -w0)"
          git -c "http.extraheader=$auth" fetch --no-tags --quiet origin "+refs/pull/$PR_NUMBER/head:refs/remotes/pull/head"`;

/**
 * GitHub merges a pull request into the base branch's tip as it is when the merge happens, not
 * into the commit the pull request started from: what is judged is that merge, made here as git
 * objects (merge-tree, commit-tree: nothing checked out, no merge driver of the pull request's).
 * A change that merges cleanly but breaks a record (two pull requests adding the same key to one
 * record) is judged as the record will be.
 */
const mergeStep = (base: string) => `      - name: Merge it into ${base.includes('needs.') ? 'the base the check judged' : 'the base branch\'s tip'} as data (the tree that would land)
        id: merge
        env:
          BASE: ${base}
          HEAD_SHA: \${{ ${PR}.head.sha }}
        run: |
          base=$(git rev-parse --verify --quiet "$BASE^{commit}") || { echo "::error title=sifhub::$BASE is not a commit of this repository"; exit 1; }
          if ! tree=$(git merge-tree --write-tree --no-messages "$base" "$HEAD_SHA"); then
            echo "::error title=sifhub::The pull request does not merge cleanly into $BASE ($base): merge it into its branch or rebase it, then push"
            exit 1
          fi
          merge=$(git -c user.name=sifhub -c user.email=sifhub@localhost commit-tree "$tree" -p "$base" -p "$HEAD_SHA" -m "The merge that would land")
          echo "base=$base" >> "$GITHUB_OUTPUT"
          echo "merge=$merge" >> "$GITHUB_OUTPUT"`;

/** pull-request.yml: the check a pull request cannot change, and the owners' automerge. */
export function pullRequestWorkflow(action: string): string {
  return `# Checks every pull request: its records, what the change may do (collection owners, frozen tags,
# only maintainers outside the records) and the images it adds.
#
# It runs on pull_request_target, so GitHub takes this file from the BASE branch, and the sifhub
# it runs is the version named below: a pull request cannot change the check that judges it.
# The pull request's commits are fetched as git objects and read as data; nothing from them is
# checked out, installed or run. The check has a read-only token and no secrets.
name: Pull request

# Only pull requests into main, the branch this check protects and publish.yml publishes; edited
# runs it again when a pull request is retargeted (a check passed against another branch means
# nothing for main), and on every other edit too: a skipped check would count as passed.
on:
  pull_request_target:
    types: [opened, synchronize, reopened, edited]
    branches: [main]

permissions: {}

concurrency:
  group: pull-request-\${{ ${PR}.number }}
  cancel-in-progress: true

jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    permissions:
      contents: read
    outputs:
      base: \${{ steps.merge.outputs.base }}
    steps:
${checkoutBaseAndFetchHead}
${mergeStep(`origin/\${{ ${PR}.base.ref }}`)}
      - name: Validate the records and what the change may do
        uses: ${action}
        with:
          command: validate
${judged(`
            --author=\${{ ${PR}.user.login }}`)}
      - name: Verify new and changed images
        uses: ${action}
        with:
          command: verify
${judged()}

  # With \`automerge: owners\` in registry.yml, a change to only its author's own collections is
  # merged once the check passed; anything else waits for a maintainer. It merges only while the
  # base branch's tip is still the one the check merged onto: the tree that lands is the one judged.
  automerge:
    needs: check
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: write
      pull-requests: write
      actions: write
    steps:
${checkoutBaseAndFetchHead}
${mergeStep('\${{ needs.check.outputs.base }}')}
      - name: Merge an owner's change to their own collections
        uses: ${action}
        env:
          GITHUB_TOKEN: \${{ github.token }}
        with:
          command: automerge
          args: |
            --base=\${{ steps.merge.outputs.base }}
            --merge=\${{ steps.merge.outputs.merge }}
            --head=\${{ ${PR}.head.sha }}
            --author=\${{ ${PR}.user.login }}
            --pull-request=\${{ ${PR}.number }}
`;
}

/** When both publish workflows run: every merge, daily (usage counts change), and on demand. */
const PUBLISH_TRIGGERS = `on:
  push:
    branches: [main]
  schedule:
    - cron: '17 4 * * *'
  workflow_dispatch:

permissions: {}
`;

/** The publish job's first steps: full history, sifhub's cache and last site restored, the build. */
const buildSteps = (action: string) => `      # Full history: every tag's past versions stay pullable.
      - uses: ${CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      # sifhub's cache and the last site, so a merge rebuilds only what it changed. A restored
      # cache is checked, not trusted: output is kept only where its inputs and files still match.
      - uses: ${CACHE}
        with:
          path: |
            .sifhub-cache
            dist
            .dist-sites
          key: sifhub-\${{ runner.os }}-\${{ github.sha }}
          restore-keys: sifhub-\${{ runner.os }}-
      - name: Build the site
        uses: ${action}
        env:
          # Read-only: download counts and stars are fetched at build time, never committed.
          GITHUB_TOKEN: \${{ github.token }}
          SIFHUB_CACHE_DIR: .sifhub-cache
        with:
          command: build
`;

/** The job after a deploy that fetches manifests and a page from the live site at `url`. */
const checkJob = (action: string, url: string) => `  check:
    needs: deploy
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - name: Fetch manifests and a page from the live site
        uses: ${action}
        with:
          command: check-deployment
          args: |
            --url=${url}
`;

/** publish.yml: build, deploy to GitHub Pages, then check the live site as the clients use it. */
export function publishWorkflow(action: string): string {
  return `# Publishes the registry to GitHub Pages after every merge, daily (usage counts change), and on
# demand; then checks that the live site answers the way the clients need.
name: Publish

${PUBLISH_TRIGGERS}
# One deployment at a time; a newer one waits rather than cancelling one half-way.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    # Reading the stars issues' reactions needs issues: read in a private repository.
    permissions:
      contents: read
      issues: read
    steps:
${buildSteps(action)}      # An artifact deploy: Jekyll never sees the files, so names with : and @ survive.
      - uses: ${UPLOAD_PAGES}
        with:
          path: dist

  deploy:
    needs: build
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: \${{ steps.deployment.outputs.page_url }}
    outputs:
      page_url: \${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: ${DEPLOY_PAGES}

${checkJob(action, '\${{ needs.deploy.outputs.page_url }}')}`;
}

/** Where publishS3Workflow deploys, and as whom. */
export interface S3Deployment {
  /** s3://BUCKET[/PREFIX] */
  target: string;
  /** The IAM role GitHub's OIDC token is exchanged for (its trust policy names this repository). */
  role: string;
  region: string;
  /** A store other than AWS (R2, Ceph, MinIO). */
  endpoint?: string;
  /** The registry's url: where the deployed site is checked. */
  siteUrl: string;
}

/** publish.yml for a registry served from S3 behind a CDN: build, deploy with an OIDC role, check. */
export function publishS3Workflow(action: string, s3: S3Deployment): string {
  return `# Publishes the registry to ${s3.target} (served by a CDN at ${s3.siteUrl}) after every merge,
# daily (usage counts change), and on demand; then checks that the live site answers the way the
# clients need. The job signs in with GitHub's OIDC token as the role below: no long-lived keys
# are stored anywhere. Its trust policy must allow this repository (sifhub's docs/hosts.md, "S3, R2, Ceph or MinIO behind a CDN").
name: Publish

${PUBLISH_TRIGGERS}
# One deployment at a time; a newer one waits rather than cancelling one half-way.
concurrency:
  group: s3-deploy
  cancel-in-progress: false

jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    # Reading the stars issues' reactions needs issues: read in a private repository; the OIDC
    # token for the role needs id-token: write.
    permissions:
      contents: read
      issues: read
      id-token: write
    steps:
${buildSteps(action)}      - uses: ${AWS_CREDENTIALS}
        with:
          role-to-assume: ${yamlString(s3.role)}
          aws-region: ${yamlString(s3.region)}
      # Only what changed is sent: assets, then pages and API, then the shub manifests; files the
      # site no longer has are removed last. Stopped halfway, the next run finishes it.
      - name: Deploy
        uses: ${action}
${s3.endpoint ? `        env:
          AWS_ENDPOINT_URL: ${yamlString(s3.endpoint)}
` : ''}        with:
          command: deploy
          args: |
            ${s3.target}

${checkJob(action, s3.siteUrl)}`;
}

/** dependabot.yml: keeps the sifhub pin and the pinned actions current, weekly. */
export function dependabotConfig(): string {
  return `# Dependabot proposes a pull request when sifhub or an action has a new release: the only
# upgrade a registry needs. Review sifhub's release notes before merging.
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
    groups:
      actions:
        patterns: ['*']
`;
}

const yamlString = (value: string) => JSON.stringify(value);

/** What a pull command names for a site at `url`: its host and path ("lab.github.io/images"). */
function shubHost(url: string): string {
  if (!URL.canParse(url)) return 'HOST'; // refused when registry.yml is checked
  const { host, pathname } = new URL(url);
  return host + pathname.replace(/\/+$/, '');
}

export function registryYml(answers: RegistryAnswers): string {
  return `# yaml-language-server: $schema=.schema/registry.schema.json
# The registry's identity. \`url\` is where the site is served, and the host of every pull command:
# shub://${shubHost(answers.url)}/COLLECTION/CONTAINER:TAG
name: ${yamlString(answers.name)}
url: ${yamlString(answers.url)}
repository: ${yamlString(answers.repository)}
${answers.forge === 'gitlab' ? 'forge: gitlab\n' : ''}${answers.contact ? `contact: ${yamlString(answers.contact)}\n` : ''}# ${answers.forge === 'gitlab' ? 'GitLab usernames' : answers.forge === 'none' ? 'Usernames (as your git server names people)' : 'GitHub logins'} who may change every collection, registry.yml and the ${answers.forge === 'github' || answers.forge === undefined ? 'workflows' : 'pipeline'}.
maintainers:
${answers.maintainers.map((m) => `  - ${yamlString(m)}`).join('\n')}
${answers.forge === 'none' ? '# Every change waits for a maintainer (automerge: owners needs a forge: GitHub or GitLab).' : answers.forge === 'gitlab' ? `# owners: the judge merges a merge request that changes only its author's own collections once
# it passes. off: every merge request waits for a maintainer.` : `# owners: merge a pull request that changes only its author's own collections once its checks
# pass. off: every pull request waits for a maintainer.`}
automerge: off
# library:// pulls too: nginx, netlify, cloudflare or s3-website where the host can redirect;
# site on ${answers.forge === 'gitlab' ? 'GitLab' : 'GitHub'} Pages (the build copies every image into the site: for small registries).
# sifhub's docs/library.md says what each needs.
# library: site
# Images on internal storage (an on-premises Ceph or MinIO): the host names and address ranges
# the pull-request check, mirror and library: site may fetch from although they are not public.
${answers.allowHosts?.length ? `allowHosts:\n${answers.allowHosts.map((h) => `  - ${yamlString(h)}`).join('\n')}\n` : '# allowHosts: [storage.lab.example.edu, 10.20.0.0/16]\n'}`;
}

/** The contributors' README's first lines, on every forge: the registry, and how to pull. */
export function readmeIntro(answers: RegistryAnswers, storage: string): string {
  return `# ${answers.name}

A registry of Singularity/Apptainer images, served at ${answers.url}. Pull any image with the
unmodified clients:

\`\`\`sh
singularity pull shub://${shubHost(answers.url)}/COLLECTION/CONTAINER:TAG
\`\`\`

This repository holds one small record per image tag under \`registry/\`; the images themselves
live in ${storage}. It is built by [sifhub](https://github.com/${ACTION_REPOSITORY}).
`;
}

/** How a record is submitted, on every forge: a `change` (pull request, merge request) adding one file. */
export function submittingIntro(change: string): string {
  return `## Submitting an image

Open a ${change} that adds \`registry/COLLECTION/CONTAINER/TAG.md\`:

\`\`\`markdown
---
url: https://example.org/images/tool-1.0.sif
sha256: …
md5: …
size: 123456789
---
What this version is, for the people who pull it.
\`\`\`
`;
}

export function contributorsReadme(answers: RegistryAnswers, version: string): string {
  return `${readmeIntro(answers, 'object storage or GitHub releases')}
${submittingIntro('pull request')}
\`sifhub submit\` reads the image, puts it at an https address, writes this record and opens the
pull request for you. Run it in your clone of this repository, with the version this registry's
checks use, and say where the image goes:

\`\`\`sh
npx sifhub@${version} submit FILE.sif COLLECTION/CONTAINER:TAG --upload github-release   # a release of this repository
npx sifhub@${version} submit FILE.sif COLLECTION/CONTAINER:TAG --upload s3               # the bucket registry.yml names under storage:
npx sifhub@${version} submit FILE.sif COLLECTION/CONTAINER:TAG --url https://…/FILE.sif  # where you host it already
\`\`\`

A check then validates the record and downloads the image to verify its size and hashes.

## Owners and frozen tags

- A collection's \`registry/COLLECTION/README.md\` lists its \`owners\` (GitHub logins). Only they
  change its records; a new collection must list its author (\`submit\` writes it, with
  \`--owner LOGIN\` or your token's user):

  \`\`\`markdown
  ---
  owners: [your-github-login]
  ---
  What this collection holds.
  \`\`\`
- A tag with \`frozen: true\` never changes image and is never deleted: analyses pin it.
- The maintainers in \`registry/registry.yml\` review everything else: that file, the workflows and
  anything outside \`registry/\`.

## Maintainers

- Upgrade sifhub: change the version in \`uses: ${ACTION_REPOSITORY}@v…\` in both workflows (Dependabot
  proposes it).
- Preview locally: \`npx sifhub build && npx sifhub serve\`.
`;
}

// dist is a link to the newest complete site in .dist-sites/: "dist", not "dist/" (git does not
// count a link as a folder).
export const GITIGNORE = `node_modules/
dist
.dist-sites/
.sifhub-cache/
`;

export function vscodeSettings(): string {
  return `${JSON.stringify(
    {
      'yaml.schemas': { './registry/.schema/registry.schema.json': 'registry/registry.yml' },
      'files.associations': { 'registry/**/*.md': 'markdown' },
    },
    null,
    2,
  )}\n`;
}
