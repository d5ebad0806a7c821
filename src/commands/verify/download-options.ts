import { positiveWholeNumber, type OptionSpec } from '../command.ts';
import { DEFAULT_DOWNLOAD_LIMITS, type VerifyOptions } from '../../storage/verify-image-http.ts';

// How verify and mirror download an image someone else named: the limits a person may set, and
// the options object both commands take them from.

export const DOWNLOAD_OPTIONS = {
  'allow-host': { type: 'string', value: 'HOST', help: 'also allow this host when it resolves to a private address (an internal image host a self-hosted runner reaches; default SIFHUB_ALLOW_HOST)' },
  'max-size': { type: 'string', value: 'BYTES', default: String(DEFAULT_DOWNLOAD_LIMITS.maxBytes), help: 'refuse larger images' },
  timeout: { type: 'string', value: 'SECONDS', default: String(DEFAULT_DOWNLOAD_LIMITS.timeoutMs / 1000), help: 'give up on one image after this long' },
  'idle-timeout': { type: 'string', value: 'SECONDS', default: String(DEFAULT_DOWNLOAD_LIMITS.idleMs / 1000), help: 'give up when no byte arrives for this long' },
  jobs: { type: 'string', value: 'N', default: '3', help: 'images downloaded side by side' },
} as const satisfies Record<string, OptionSpec>;

/** The limits the options give, checked (a usage error names the option); `jobs` beside them. */
export function downloadLimits(
  values: { 'allow-host'?: string; 'max-size': string; timeout: string; 'idle-timeout': string; jobs: string },
  command: string,
  githubServerUrl: string,
): VerifyOptions & { jobs: number } {
  const number = (name: 'max-size' | 'timeout' | 'idle-timeout' | 'jobs') => positiveWholeNumber(values[name], `--${name}`, command);
  return {
    allowHost: values['allow-host'] ?? (process.env.SIFHUB_ALLOW_HOST || undefined),
    maxBytes: number('max-size'),
    timeoutMs: number('timeout') * 1000,
    idleMs: number('idle-timeout') * 1000,
    jobs: number('jobs'),
    githubServerUrl,
  };
}
