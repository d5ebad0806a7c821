import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIFHUB = fileURLToPath(new URL('../../scripts/sifhub.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `sifhub` command in a child process, as a user would. */
export function runSifhub(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIFHUB, ...args], { cwd, env: { ...process.env, GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', NO_COLOR: '1', FORCE_COLOR: '0', ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** stderr without `build`'s warning that url is an example's (test registries' urls are). */
export function withoutPlaceholderWarning(stderr: string): string {
  return stderr.replace(/^! url is \S+, a placeholder: .*\n/m, '');
}
