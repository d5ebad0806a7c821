import { describe, expect, it } from 'vitest';
import { toSafeHtml } from '../../src/model/markdown.ts';

describe('toSafeHtml', () => {
  it('renders Markdown with GitHub extensions', () => {
    expect(toSafeHtml('**bold** and `code`\n\n| a |\n| - |\n| 1 |')).toContain('<strong>bold</strong>');
    expect(toSafeHtml('| a |\n| - |\n| 1 |')).toContain('<table>');
  });

  it('shows raw HTML as text instead of running it', () => {
    const html = toSafeHtml('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('onerror=');
  });

  it('drops javascript: and data: link targets but keeps the text', () => {
    const html = toSafeHtml('[click](javascript:alert(1)) [d](data:text/html,x) [ok](https://example.org)');
    expect(html).not.toMatch(/href="(javascript|data):/);
    expect(html).toContain('>click</a>');
    expect(html).toContain('href="https://example.org"');
  });

  it('shows an image as a link to it, so no record makes visitors fetch from a third party', () => {
    const html = toSafeHtml('See ![a pixel](https://tracker.example/p.png) and ![ref][r]\n\n[r]: https://tracker.example/r.png');
    expect(html).not.toContain('<img');
    expect(html).toBe('<p>See !<a href="https://tracker.example/p.png">a pixel</a> and !<a href="https://tracker.example/r.png">ref</a></p>\n');
  });

  it('renders each document on its own: a link definition or footnote of one never reaches the next', () => {
    expect(toSafeHtml('[ref]: https://one.example/\n\n[^n]: a note\n\nsee [ref] and [^n]')).toContain('href="https://one.example/"');
    const next = toSafeHtml('see [ref] and [^n]');
    expect(next).toBe('<p>see [ref] and [^n]</p>');
    // A lazy continuation line in one document is not one in the next.
    expect(toSafeHtml('> quote\nlazy')).toBe('<blockquote>\n<p>quote\nlazy</p>\n</blockquote>');
    expect(toSafeHtml('lazy')).toBe('<p>lazy</p>');
  });
});
