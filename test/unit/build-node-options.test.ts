import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { gitlabCi } from '../../src/commands/init/templates-gitlab.ts';
import { BUILD_NODE_OPTIONS, PACKAGE_ROOT } from '../../src/package-root-node.ts';

// Every way a registry is published runs Node as a build is measured: a V8 flag given anywhere
// but at Node's start does nothing, so each entry point must give it itself.

describe('the Node options a build runs with', () => {
  it('are given by the GitHub Action, the GitLab pipeline (Pages and S3) and npm run build', async () => {
    expect(await readFile(path.join(PACKAGE_ROOT, 'action.yml'), 'utf8')).toContain(`exec node ${BUILD_NODE_OPTIONS} `);
    for (const s3 of [undefined, { target: 's3://bucket', role: 'arn:aws:iam::1:role/r', region: 'eu-west-1', siteUrl: 'https://images.example.org' }]) {
      const pipeline = parse(gitlabCi('1.0.0', { url: 'https://lab.gitlab.io/registry', s3 })) as Record<string, { variables?: Record<string, string> }>;
      expect(pipeline[s3 ? 'deploy' : 'pages']!.variables!.NODE_OPTIONS).toBe(BUILD_NODE_OPTIONS);
    }
    const scripts = (JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toBe(`node ${BUILD_NODE_OPTIONS} scripts/sifhub.ts build`);
  });
});
