import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/**
 * Image syntax is switched off: `![alt](https://elsewhere/pixel.png)` renders as "!" and a link,
 * so no record makes a visitor's browser fetch from a third party (a tracking pixel; the page's
 * CSP would block it anyway). The reader follows the link if they want the picture.
 */
const NO_IMAGES = { disable: { null: ['labelStartImage'] } };

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
    extensions: [gfm(), NO_IMAGES],
    htmlExtensions: [gfmHtml()],
  });
}
