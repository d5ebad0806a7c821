import { parse } from 'parse5';

interface Node {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
}

/** The site's own bundled scripts (`<script type="module" src="/…/_astro/…">`): code, not content. */
const isSiteScript = (node: Node) => node.nodeName === 'script' && /^\/([^/]+\/)*_astro\/[\w.-]+\.js$/.test(node.attrs?.find((a) => a.name === 'src')?.value ?? '');

/** What in a page could run script: script elements (but the site's own), event-handler attributes, script URLs. */
export function activeContent(html: string): string[] {
  const found: string[] = [];
  const walk = (node: Node) => {
    if ((node.nodeName === 'script' && !isSiteScript(node)) || node.nodeName === 'iframe' || node.nodeName === 'object' || node.nodeName === 'embed') found.push(`<${node.nodeName}>`);
    if (node.nodeName === 'img') found.push('<img>');
    for (const attr of node.attrs ?? []) {
      if (/^on/i.test(attr.name)) found.push(`${node.nodeName}[${attr.name}]`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(attr.name) && /^\s*(javascript|data|vbscript):/i.test(attr.value)) found.push(`${node.nodeName}[${attr.name}=${attr.value}]`);
    }
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html) as unknown as Node);
  return found;
}

/**
 * What a page holds inline that a CSP without 'unsafe-inline' would block: script elements without
 * src (a JSON data block is not a script), event-handler attributes, style elements and attributes.
 */
export function inlineCode(html: string): string[] {
  const found: string[] = [];
  const walk = (node: Node) => {
    const attr = (name: string) => node.attrs?.find((a) => a.name === name)?.value;
    if (node.nodeName === 'script' && attr('src') === undefined && attr('type') !== 'application/json') found.push('<script> without src');
    if (node.nodeName === 'style') found.push('<style>');
    for (const a of node.attrs ?? []) if (/^on/i.test(a.name) || a.name === 'style') found.push(`${node.nodeName}[${a.name}]`);
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html) as unknown as Node);
  return found;
}

/** The page's text as a reader sees it, whitespace collapsed; script and style left out. */
export function visibleText(html: string): string {
  const parts: string[] = [];
  const walk = (node: Node & { value?: string }) => {
    if (node.nodeName === 'script' || node.nodeName === 'style' || node.nodeName === 'template') return;
    if (node.nodeName === '#text' && node.value) parts.push(node.value);
    for (const child of node.childNodes ?? []) walk(child);
  };
  walk(parse(html) as unknown as Node);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
