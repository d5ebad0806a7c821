import { BUILD_NODE_OPTIONS } from '../../package-root-node.ts';
import { readmeIntro, submittingIntro, type RegistryAnswers, type S3Deployment } from './templates.ts';

// The files `sifhub init --forge gitlab` writes besides the registry itself: the GitLab CI
// pipeline that publishes the site, Renovate to keep the sifhub pin current, and the README for
// contributors. The pipeline runs the pinned sifhub release from npm (`npx sifhub@VERSION`),
// never a file of the repository. Pure.

const NODE_IMAGE = 'node:24-bookworm';

const yamlString = (value: string) => JSON.stringify(value);

/**
 * .gitlab-ci.yml: on every push to the default branch, on a pipeline schedule (usage counts
 * change) and on demand, build the site with the last site and sifhub's cache restored, publish
 * it (GitLab Pages, or `deploy` to a bucket), then check the live site as the clients use it.
 */
export function gitlabCi(version: string, site: { url: string; s3?: S3Deployment }): string {
  const { s3 } = site;
  const publish = s3
    ? `deploy:
  stage: publish
  image: ${NODE_IMAGE}
  resource_group: s3-deploy
  <<: [*build, *on-main]
  # GitLab's OIDC token, exchanged for the role by the AWS SDK: no long-lived keys are stored.
  # The role's trust policy must allow this project (sifhub's docs/hosts.md).
  id_tokens:
    AWS_ID_TOKEN:
      aud: sts.amazonaws.com
  variables:
    SIFHUB_CACHE_DIR: .sifhub-cache
    NODE_OPTIONS: ${BUILD_NODE_OPTIONS}
    AWS_ROLE_ARN: ${yamlString(s3.role)}
    AWS_REGION: ${yamlString(s3.region)}
${s3.endpoint ? `    AWS_ENDPOINT_URL: ${yamlString(s3.endpoint)}\n` : ''}  script:
    - $SIFHUB_RUN build --out dist
    - printf '%s' "$AWS_ID_TOKEN" > "$CI_PROJECT_DIR/.aws-web-identity" && export AWS_WEB_IDENTITY_TOKEN_FILE="$CI_PROJECT_DIR/.aws-web-identity"
    # Only what changed is sent: assets, then pages and API, then the shub manifests; files the
    # site no longer has are removed last. Stopped halfway, the next pipeline finishes it.
    - $SIFHUB_RUN deploy dist ${s3.target}
`
    : `# GitLab Pages publishes the artifact of the job named pages: the site, links resolved.
pages:
  stage: publish
  image: ${NODE_IMAGE}
  resource_group: pages
  <<: [*build, *on-main]
  variables:
    SIFHUB_CACHE_DIR: .sifhub-cache
    NODE_OPTIONS: ${BUILD_NODE_OPTIONS}
  script:
    - $SIFHUB_RUN build --out dist
    - rm -rf public && cp -rL dist public
  artifacts:
    paths: [public]
`;
  return `# Written by \`sifhub init\` (sifhub ${version}). Publishes the registry after every push to the
# default branch, on a pipeline schedule (Build → Pipeline schedules: daily, for usage counts), and
# on demand; then checks that the live site answers the way the clients need. sifhub runs as the
# pinned release from npm, never from a file of this repository; Renovate proposes new versions.

variables:
  SIFHUB_RUN: npx --yes sifhub@${version}
  # Full history: every tag's past versions stay pullable.
  GIT_DEPTH: "0"
  GIT_STRATEGY: clone

# Only the default branch publishes: a merge request's pipeline never builds or deploys the site
# (the workflow starts no pipeline for it, and each job says so again).
workflow:
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE =~ /^(push|schedule|web|api)$/

.on-main: &on-main
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE =~ /^(push|schedule|web|api)$/ && $SIFHUB_ONLY != "merge-requests"

stages: [publish, check]

# sifhub's cache and the last site, so a push rebuilds only what it changed. A restored cache is
# checked, not trusted: output is kept only where its inputs and files still match.
.build: &build
  cache:
    key: sifhub-$CI_DEFAULT_BRANCH
    paths: [.sifhub-cache/, dist, .dist-sites/]

${publish}
# Merge requests are judged here, from the default branch: a merge request's own pipeline runs
# its own .gitlab-ci.yml (a fork's, in the fork), so it can never be its judge. For each open
# merge request this reads the head as git objects, runs validate and verify, and sets the commit
# status "sifhub" with a comment naming the problems. It needs SIFHUB_GITLAB_TOKEN: a project
# access token (role Developer, scope api) in a protected, masked variable, which no merge
# request's pipeline can read. A schedule every 10 minutes with SIFHUB_ONLY=merge-requests runs
# this job alone; every push to the default branch runs it too (the base moved).
judge:
  stage: publish
  image: ${NODE_IMAGE}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE =~ /^(push|schedule|web|api)$/ && $SIFHUB_GITLAB_TOKEN
  resource_group: judge
  script:
    - $SIFHUB_RUN check-merge-requests

check:
  stage: check
  image: ${NODE_IMAGE}
  <<: *on-main
  variables:
    GIT_DEPTH: "1"
  script:
    - $SIFHUB_RUN check-deployment --url ${s3 ? yamlString(site.url) : '"$CI_PAGES_URL"'}
`;
}

/** renovate.json: proposes a merge request when sifhub has a new release (the only upgrade a registry needs). */
export function renovateConfig(): string {
  return `${JSON.stringify(
    {
      $schema: 'https://docs.renovatebot.com/renovate-schema.json',
      extends: ['config:recommended'],
      customManagers: [
        {
          customType: 'regex',
          description: 'The sifhub version .gitlab-ci.yml and README.md run (npx sifhub@VERSION).',
          managerFilePatterns: ['/(^|/)\\.gitlab-ci\\.yml$/', '/(^|/)README\\.md$/'],
          matchStrings: ['sifhub@(?<currentValue>\\d+\\.\\d+\\.\\d+(?:-[\\w.]+)?)'],
          depNameTemplate: 'sifhub',
          datasourceTemplate: 'npm',
        },
      ],
      packageRules: [{ matchDepNames: ['sifhub'], groupName: 'sifhub', prBodyNotes: ['Review sifhub\'s release notes before merging.'] }],
    },
    null,
    2,
  )}\n`;
}

/**
 * README.md for contributors of a registry on GitLab (`gitlab`), or on a git server with no CI
 * sifhub writes for (`none`: a cron job or the admin builds it).
 */
export function gitlabContributorsReadme(answers: RegistryAnswers, version: string, forge: 'gitlab' | 'none' = 'gitlab'): string {
  const change = forge === 'gitlab' ? 'merge request' : 'change (a merge request, or a branch for the maintainers to merge)';
  return `${readmeIntro(answers, 'object storage')}
${submittingIntro(change)}
\`sifhub inspect\` reads the image and prints the record; run it with the version this registry
uses, then check the records before you push:

\`\`\`sh
npx sifhub@${version} inspect FILE.sif --record --url https://…/FILE.sif > registry/COLLECTION/CONTAINER/TAG.md
npx sifhub@${version} validate
npx sifhub@${version} verify --base origin/main   # downloads the image and checks its size and hashes
\`\`\`

## Owners and frozen tags

- A collection's \`registry/COLLECTION/README.md\` lists its \`owners\`. A new collection lists its
  author.
- A tag with \`frozen: true\` never changes image and is never deleted: analyses pin it.
- The maintainers in \`registry/registry.yml\` review every change, and alone change that
  file${forge === 'gitlab' ? ', \`.gitlab-ci.yml\`' : ''} and anything outside \`registry/\`.

## Maintainers

${forge === 'gitlab' ? '- The pipeline judges every open merge request from the default branch and sets its status\n  \`sifhub\` (with a comment naming the problems): merge only what it passed. By hand, with the\n  pinned sifhub, from outside the merge request\'s checkout:' : '- Before merging, judge the change with the pinned sifhub, from outside its checkout:'}
  \`npx sifhub@${version} validate --base origin/main --head FETCH_HEAD --author USERNAME\` and
  \`npx sifhub@${version} verify --base origin/main --head FETCH_HEAD\` after
  \`git fetch origin ${forge === 'gitlab' ? 'merge-requests/IID/head' : 'BRANCH'}\`.
- Upgrade sifhub: the version in ${forge === 'gitlab' ? '\`.gitlab-ci.yml\` and this README (Renovate proposes it)' : 'this README and wherever the site is built'}.
- Preview locally: \`npx sifhub@${version} build && npx sifhub@${version} serve\`.
`;
}
