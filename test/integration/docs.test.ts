import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README and the guides as a reader follows them: every shell block is run, in the order of
// docs/README.md, in one temporary folder, or is marked as needing a real host (an HTML comment
// just above it: `<!-- needs a real host: what -->`). `npx sifhub` is this checkout's command,
// `sudo` runs the command as it is, and /srv and /etc are folders inside the temporary one.
// Every link between the documents must reach a file and a heading that exist.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SIF = path.join(ROOT, 'test/fixtures/sif/sce-3.8.1_busybox_amd64_signed.sif');
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const NEEDS = /^<!-- needs a real host: (.+\S) -->$/;

interface Block {
  file: string;
  line: number;
  lang: string;
  text: string;
  /** Why it is not run, from its marker. */
  needs?: string;
}

function blocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, lang] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent!.length));
    const above = lines.slice(0, start).reverse().find((l) => l.trim() !== '')?.trim() ?? '';
    found.push({ file, line: start + 1, lang: lang!, text: body.join('\n'), needs: NEEDS.exec(above)?.[1] });
  }
  return found;
}

/** The documents in reading order: the README, then the guides as docs/README.md lists them. */
async function documents(): Promise<string[]> {
  const index = await readFile(path.join(ROOT, 'docs/README.md'), 'utf8');
  const guides = [...index.matchAll(/\]\(([a-z-]+\.md)\)/g)].map((m) => `docs/${m[1]}`);
  return ['README.md', 'docs/README.md', ...new Set(guides)];
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
}

function run(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

describe('the documentation', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'sifhub-docs-'));
    const bin = path.join(work, 'bin');
    await mkdir(bin);
    await mkdir(path.join(work, 'home'));
    const shims = {
      sifhub: `#!/usr/bin/env bash\nexec "${process.execPath}" "${path.join(ROOT, 'scripts/sifhub.ts')}" "$@"\n`,
      npx: '#!/usr/bin/env bash\ncase "$1" in sifhub|sifhub@*) shift; exec sifhub "$@";; esac\necho "the docs test runs npx only for sifhub, not $1" >&2\nexit 127\n',
      sudo: '#!/usr/bin/env bash\nexec "$@"\n',
    };
    for (const [name, text] of Object.entries(shims)) {
      await writeFile(path.join(bin, name), text);
      await chmod(path.join(bin, name), 0o755);
    }
    await copyFile(SIF, path.join(work, 'tool.sif'));
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_|AWS_|SIFHUB_|RUNNER_)/.test(name)));
    env = {
      ...inherited,
      PATH: [bin, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
      HOME: path.join(work, 'home'),
      NO_COLOR: '1',
      GIT_AUTHOR_NAME: 'Ada Lovelace',
      GIT_AUTHOR_EMAIL: 'ada@example.org',
      GIT_COMMITTER_NAME: 'Ada Lovelace',
      GIT_COMMITTER_EMAIL: 'ada@example.org',
      SIFHUB_TOKENS: path.join(work, 'root/etc/sifhub/tokens.json'),
    };
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists every guide in docs/README.md', async () => {
    const listed = new Set(await documents());
    const guides = (await readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect(guides.filter((g) => !listed.has(g))).toEqual([]);
  });

  it('links only to files and headings that exist', async () => {
    const broken: string[] = [];
    for (const file of await documents()) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      // Not inside code: `![alt](url)` shows the syntax.
      for (const [, target] of text.replace(/```[\s\S]*?```|`[^`\n]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target!)) continue;
        const [where, anchor] = target!.split('#') as [string, string | undefined];
        const linked = where === '' ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), where);
        const content = await readFile(linked, 'utf8').catch(() => undefined);
        if (content === undefined && !(await readdir(linked).catch(() => undefined))) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && !(content ?? '').split('\n').some((l) => /^#+ /.test(l) && slug(l.replace(/^#+ /, '')) === anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('runs every shell command a guide shows, in order, unless it is marked as needing a real host', { timeout: 900_000 }, async () => {
    const unmarked: string[] = [];
    for (const file of await documents()) {
      const shell = blocks(file, await readFile(path.join(ROOT, file), 'utf8')).filter((b) => SHELLS.has(b.lang));
      const runnable = shell.filter((b) => b.needs === undefined);
      if (runnable.length === 0) continue;
      // The first guides make a registry (on GitHub, on GitLab); the others are followed inside the first.
      const registry = path.join(work, 'my-registry');
      const cwd = file === 'docs/start-a-registry.md' || file === 'docs/gitlab.md' || file === 'README.md' ? work : registry;
      await copyFile(SIF, path.join(cwd, 'tool.sif'));
      const script = ['set -euo pipefail', ...runnable.map((b) => `echo "▶ ${b.file}:${b.line}" >&2\n${b.text.replace(/(?<![\w.$/-])\/(srv|etc)\//g, `${work}/root/$1/`)}`)].join('\n');
      await mkdir(path.join(work, 'root/srv'), { recursive: true });
      await mkdir(path.join(work, 'root/etc'), { recursive: true });
      const result = await run(script, cwd, env);
      if (result.code !== 0) unmarked.push(`${file} failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
    }
    expect(unmarked).toEqual([]);
  });

  it('leaves no shell block unmarked that it cannot run, and marks each with a reason', async () => {
    const marked: string[] = [];
    for (const file of await documents()) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      for (const line of text.split('\n')) if (line.startsWith('<!-- needs') && !NEEDS.test(line)) marked.push(`${file}: ${line}`);
    }
    expect(marked).toEqual([]);
  });
});
