import { describe, expect, it } from 'vitest';
import { formatAnnotations, formatStepSummary, formatWarningAnnotation } from '../../src/commands/output.ts';

describe('GitHub Actions output', () => {
  it('annotates each problem on its file and line, sorted', () => {
    expect(formatAnnotations([
      { file: 'registry/lab/tool/1.0.md', line: 3, field: 'sha256', message: 'expected 64 lowercase hex characters' },
      { file: 'registry/a/README.md', message: 'unknown field' },
    ])).toBe('::error file=registry/a/README.md,title=sifhub::unknown field\n::error file=registry/lab/tool/1.0.md,line=3,title=sifhub%3A sha256::expected 64 lowercase hex characters');
  });

  it('escapes what would end a value or start a workflow command, as the Actions toolkit does', () => {
    const out = formatAnnotations([{ file: 'registry/x,y:z.md', field: 'a\n::stop-commands::t', message: '100%\n::warning::pwned\r' }]);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toBe('::error file=registry/x%2Cy%3Az.md,title=sifhub%3A a%0A%3A%3Astop-commands%3A%3At::100%25%0A::warning::pwned%0D');
    expect(formatWarningAnnotation('a\nb')).toBe('::warning title=sifhub::a%0Ab');
  });

  it('names a deleted record by its path', () => {
    expect(formatAnnotations([{ file: 'registry/lab/tool/1.0.md (deleted)', message: 'deletes a frozen tag' }])).toBe('::error file=registry/lab/tool/1.0.md,title=sifhub::deletes a frozen tag');
  });

  it('summarises problems as a table whose cells cannot break it', () => {
    expect(formatStepSummary([{ file: 'a|b.md', message: '<b>x</b>\ny' }], 'sifhub validate')).toContain('| `a\\|b.md` |  |  | &lt;b&gt;x&lt;/b&gt; y |');
    expect(formatStepSummary([], 'sifhub validate')).toBe('### sifhub validate\n\n✔ No problems.\n');
  });
});
