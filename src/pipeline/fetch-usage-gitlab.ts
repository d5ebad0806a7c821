import { mapConcurrent } from '../concurrency.ts';
import { awardCount, type GitLabAccess } from '../gitlab/api.ts';
import { plural } from '../site/format.ts';
import { NO_USAGE } from '../model/types.ts';
import type { UsageRequest, UsageResult } from './fetch-usage-github.ts';

// Usage counts of a registry on GitLab, fetched at build time and never committed (DESIGN §4):
// stars are the 👍 award emoji on the issue a collection names. GitLab counts no downloads of
// release links or storage it does not serve, so downloads stay unknown ("—"), never 0.

const JOBS = 6;

/**
 * Where the stars issues are: in GitLab CI, the project running the pipeline (CI_API_V4_URL,
 * CI_PROJECT_ID), which is the registry's; elsewhere the project registry.yml's repository names.
 */
export function gitlabAccessFor(repository: string | undefined, env: GitLabEnv): GitLabAccess | undefined {
  const token = env.SIFHUB_GITLAB_TOKEN ?? '';
  if (env.CI_API_V4_URL && env.CI_PROJECT_ID) return { api: env.CI_API_V4_URL, project: env.CI_PROJECT_ID, token };
  if (repository === undefined || !URL.canParse(repository)) return undefined;
  const url = new URL(repository);
  const project = url.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  return project.includes('/') ? { api: `${url.origin}/api/v4`, project, token } : undefined;
}

/** What a build reads of GitLab CI's variables and the token. */
export interface GitLabEnv {
  CI_API_V4_URL?: string;
  CI_PROJECT_ID?: string;
  SIFHUB_GITLAB_TOKEN?: string;
}

export async function fetchGitLabUsage(request: UsageRequest, access: GitLabAccess | undefined): Promise<UsageResult> {
  if (request.starsIssues.size === 0) return { usage: NO_USAGE };
  if (!access) return { usage: NO_USAGE, warning: `registry.yml \`repository\` (${request.repository ?? 'not set'}) names no GitLab project, so stars of ${plural(request.starsIssues.size, 'collection')} show "—".` };
  const stars = new Map<string, number>();
  const problems: string[] = [];
  await mapConcurrent([...request.starsIssues], JOBS, async ([collection, issue]) => {
    try {
      stars.set(collection, await awardCount(access, issue, 'thumbsup'));
    } catch (error) {
      problems.push(`${collection}: issue #${issue}: ${(error as Error).message}`);
    }
  });
  if (problems.length === 0) return { usage: { downloads: new Map(), stars } };
  return { usage: { downloads: new Map(), stars }, warning: `Some stars from GitLab are unknown and show "—": ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}` };
}
