import { compile, parse, postprocess, preprocess } from 'micromark';
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
  const parser = (kept ??= parse(SYNTAX)) as ParseContext;
  // What parsing a document leaves on the parser (its link definitions, lazy lines, and whatever
  // an extension adds: GFM's footnotes) goes, so each document starts as micromark() starts it.
  for (const key of Object.keys(parser)) if (!PARSER_PARTS.has(key)) delete parser[key];
  parser.defined = [];
  parser.lazy = {};
  // The HTML side is made per document: GFM's footnotes keep state in their extension.
  return compile({ ...SAFE, htmlExtensions: [gfmHtml()] })(postprocess(parser.document().write(preprocess()(markdown, undefined, true))));
}

const SAFE = { allowDangerousHtml: false, allowDangerousProtocol: false } as const;
const SYNTAX = { ...SAFE, extensions: [gfm(), NO_IMAGES] };

/**
 * One parser for every document: micromark() merges the syntax extensions into a new one per
 * call, which took two thirds of the time of rendering a record's Markdown (1.4 s of a
 * 10,000-tag build). Its parts (the merged constructs and the tokenizers made from them) hold
 * nothing of a document.
 */
let kept: ReturnType<typeof parse> | undefined;
type ParseContext = ReturnType<typeof parse> & Record<string, unknown>;
const PARSER_PARTS = new Set(['constructs', 'content', 'document', 'flow', 'string', 'text']);
