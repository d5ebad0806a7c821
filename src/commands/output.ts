import { appendFile } from 'node:fs/promises';
import { styleText } from 'node:util';
import { compareProblems, visible, type Problem } from '../errors.ts';

// What commands print beyond their own result: warnings, and inside GitHub Actions the workflow
// commands that annotate a pull request's files and the job's step summary.

const inActions = () => process.env.GITHUB_ACTIONS === 'true';

export function printWarning(message: string): void {
  if (inActions()) console.log(formatWarningAnnotation(message));
  else console.warn(styleText('yellow', `! ${visible(message)}`));
}

/** `✔ text` with a green tick, as every command reports success. */
export function done(text: string): string {
  return `${styleText('green', '✔')} ${text}`;
}

export async function writeStepSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (inActions() && file) await appendFile(file, `${markdown}\n`);
}

/** Problems as annotations on the pull request's files, and as a table in the step summary. */
export async function reportProblemsToActions(problems: readonly Problem[], title: string): Promise<void> {
  if (!inActions()) return;
  console.log(formatAnnotations(problems));
  await writeStepSummary(formatStepSummary(problems, title));
}

/** Workflow-command escaping (actions/toolkit's escapeData): %, CR and LF. */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * GitHub Actions workflow commands: one `::error` annotation per problem, shown on the pull
 * request's changed lines. Values are escaped as the Actions toolkit does.
 */
export function formatAnnotations(problems: readonly Problem[]): string {
  const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return [...problems]
    .sort(compareProblems)
    .map((p) => {
      const props = [`file=${property(p.file.replace(/ \(deleted\)$/, ''))}`, ...(p.line ? [`line=${p.line}`] : []), `title=${property(p.field ? `sifhub: ${p.field}` : 'sifhub')}`];
      return `::error ${props.join(',')}::${data(p.message)}`;
    })
    .join('\n');
}

/** A warning as a workflow command: shown on the run's summary page, not only in its log. */
export function formatWarningAnnotation(message: string): string {
  return `::warning title=sifhub::${data(message)}`;
}

/** A Markdown table of the problems for the job's step summary. */
export function formatStepSummary(problems: readonly Problem[], title: string): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');
  if (problems.length === 0) return `### ${title}\n\n✔ No problems.\n`;
  const rows = [...problems].sort(compareProblems).map((p) => `| \`${cell(p.file)}\` | ${p.line ?? ''} | ${p.field ? `\`${cell(p.field)}\`` : ''} | ${cell(p.message)} |`);
  return [`### ${title}`, '', `✖ ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`, '', '| File | Line | Field | Problem |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}
