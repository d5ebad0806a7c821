import { createHash } from 'node:crypto';
import { commitOnBranch, openRegistryRepository, pushBranch } from '../../git/registry-repository.ts';
import { pathPrefix } from '../../git/repository.ts';
import type { GitHubAccess } from '../../github/octokit.ts';
import type { Site } from '../../model/types.ts';
import { withMirror } from '../../records/add-mirror.ts';
import { CONFIG_FILE, tagRecordPath } from '../../records/layout.ts';
import { githubTarget, openPullRequest } from '../pull-request-github.ts';
import type { MirrorResult } from './mirror-images.ts';

// The second half of `sifhub mirror --record`: each tag whose current image now has a checked
// copy gets that copy's address under `mirrors:`, in a pull request like any other change (a
// branch of its own; the person's checkout untouched). Only copies that were stored, or found
// already stored with the recorded bytes, are ever proposed.

export interface RecordMirrorsInput {
  registryDir: string;
  site: Site;
  results: readonly MirrorResult[];
  remote: string;
  github: GitHubAccess;
  log: (line: string) => void;
}

export async function recordMirrors(input: RecordMirrorsInput): Promise<{ branch?: string; pullRequestUrl?: string }> {
  const copies = new Map(input.results.flatMap((r) => ((r.status === 'copied' || r.status === 'present') && r.mirrorUrl ? [[r.sha256, r.mirrorUrl] as const] : [])));
  const repository = await openRegistryRepository(input.registryDir);
  const files: Record<string, string> = {};
  const lines: string[] = [];
  for (const collection of input.site.collections) {
    for (const container of collection.containers) {
      for (const tag of container.tags) {
        // The tag's own image, then each other architecture's, in the record's order.
        const images = [{ at: [] as (string | number)[], sha256: tag.current.sha256, label: '' }, ...(tag.current.platforms ?? []).map((p, i) => ({ at: ['platforms', i], sha256: p.sha256, label: ` (${p.architecture})` }))];
        const file = tagRecordPath({ collection: tag.collection, container: tag.container, tag: tag.name });
        let text = images.some((i) => copies.has(i.sha256)) ? await repository.readAtBase(file) : undefined;
        for (const image of images) {
          const url = copies.get(image.sha256);
          const edited = url === undefined || text === undefined ? undefined : withMirror(text, url, image.at);
          if (edited === undefined) continue;
          text = files[file] = edited;
          lines.push(`- \`${tag.collection}/${tag.container}:${tag.name}\`${image.label}: ${url}`);
        }
      }
    }
  }
  if (lines.length === 0) {
    input.log('✔ Every tag lists its mirror already: nothing to propose');
    return {};
  }
  const title = `Record mirrors of ${lines.length} image${lines.length === 1 ? '' : 's'}`;
  const body = `Each copy was downloaded from the tag's \`url\` and stored only when its sha256, md5 and size were the recorded ones (\`sifhub mirror\`).\n\n${lines.join('\n')}\n`;
  const branch = `sifhub/mirrors-${createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 12)}`;
  await commitOnBranch({ repository, branch, files, message: `${title}\n\n${body}` });
  input.log(`✔ Committed ${lines.length} record${lines.length === 1 ? '' : 's'} on branch ${branch} (your checkout is unchanged)`);
  await pushBranch(repository, input.remote, branch);
  input.log(`✔ Pushed ${branch} to ${input.remote}`);
  const target = await githubTarget(input.github, repository, input.remote, input.site.config, 'opening the pull request', `${pathPrefix(repository.registryPath)}${CONFIG_FILE}`);
  const pullRequestUrl = await openPullRequest(target, repository, branch, { title, body }, input.github.serverUrl);
  input.log(`✔ Opened pull request ${pullRequestUrl}`);
  return { branch, pullRequestUrl };
}
