import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/**
 * Markdown from a record → HTML safe to inline. micromark escapes raw HTML (so `<script>` shows as
 * text) and drops javascript:/data: link targets unless told otherwise; we never tell it otherwise.
 * Astro's own Markdown renderer would pass both through.
 */
export function toSafeHtml(markdown: string): string {
  if (markdown.trim() === '') return '';
  return micromark(markdown, {
    allowDangerousHtml: false,
    allowDangerousProtocol: false,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
}
