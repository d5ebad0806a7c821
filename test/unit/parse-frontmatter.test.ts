import { afterEach, describe, expect, it } from 'vitest';
import { parseMarkdownRecord, parseYaml } from '../../src/records/parse-record.ts';

const g = globalThis as { pwned?: boolean };

describe('parseMarkdownRecord', () => {
  afterEach(() => {
    delete g.pwned;
  });

  it.each(['js', 'javascript'])('refuses ---%s frontmatter without running it', (language) => {
    const result = parseMarkdownRecord(`---${language}\n({ url: (globalThis.pwned = true) })\n---\nbody`);
    expect(g.pwned).toBeUndefined();
    expect(result).toEqual({ ok: false, problems: [{ line: 1, message: `frontmatter must be YAML; "---${language}" is refused (code in records is never run)` }] });
  });

  it('refuses other languages too', () => {
    const result = parseMarkdownRecord('---json\n{"url": "x"}\n---\n');
    expect(result.ok).toBe(false);
  });

  it('reads YAML 1.2: no, on and 3.10 keep what the author typed', () => {
    const result = parseMarkdownRecord('---\na: no\nb: on\nc: 3.10\nd: "3.10"\ne: 2024-02-01\n---\nNotes');
    if (!result.ok) throw new Error('expected ok');
    expect(result.value.data).toEqual({ a: 'no', b: 'on', c: 3.1, d: '3.10', e: '2024-02-01' });
    expect(result.value.locate(['c'])).toEqual({ line: 4, source: '3.10' });
    expect(result.value.body).toBe('Notes');
  });

  it('reads a record saved with CRLF line endings, a quoted value last, with the same line numbers', () => {
    const result = parseMarkdownRecord('---\r\nsize: 12\r\nversion: "3.10"\r\n---\r\nNotes.\r\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.data).toEqual({ size: 12, version: '3.10' });
    expect(result.value.locate(['version']).line).toBe(3);
    expect(result.value.body.trim()).toBe('Notes.');
  });

  it('gives file line numbers for nested values', () => {
    const result = parseMarkdownRecord('---\nurl: x\nlabels:\n  version: 1.10\n---\n');
    if (!result.ok) throw new Error('expected ok');
    expect(result.value.locate(['labels', 'version'])).toEqual({ line: 4, source: '1.10' });
  });

  it('reports YAML errors with their line', () => {
    const result = parseMarkdownRecord('---\nurl: x\nurl: y\n---\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.line).toBe(3);
    expect(result.problems[0]!.message).toMatch(/^YAML syntax: Map keys must be unique/);
  });

  it('reports an unclosed block', () => {
    expect(parseMarkdownRecord('---\nurl: x\n')).toEqual({ ok: false, problems: [{ line: 1, message: 'frontmatter opened with --- is never closed: add a --- line after it' }] });
  });

  it('refuses a list where a mapping belongs', () => {
    expect(parseMarkdownRecord('---\n- a\n- b\n---\n').ok).toBe(false);
  });

  it('stops alias bombs', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    const result = parseYaml(bomb);
    expect(result.ok).toBe(false);
  });

  it('treats a file without frontmatter as body only', () => {
    const result = parseMarkdownRecord('Just a description');
    expect(result.ok && result.value.hasFrontmatter).toBe(false);
  });
});
