import mimeDb from 'mime-db';

// How a static host serves a file by its name. GitHub Pages types every file by its extension
// from mime-db (docs.github.com: "the list of supported MIME types is generated from the mime-db
// project"), nginx and S3 uploaders from similar tables, and anything unknown goes out as
// application/octet-stream, which a browser downloads. Collection, container and tag names end up
// as file names (the shub manifests are `api/container/lab/tool:1.0`), so a name whose extension
// a host serves as a document or script would put a stranger's bytes on the registry's origin as
// live markup: those names are refused.

/**
 * Extensions some host serves as markup or script that mime-db does not type that way
 * (server-side includes, legacy Internet Explorer documents, web archives, CommonJS).
 */
const ACTIVE_ELSEWHERE: Record<string, string> = {
  shtml: 'text/html',
  cjs: 'text/javascript',
  svgz: 'image/svg+xml',
  mht: 'multipart/related',
  mhtml: 'multipart/related',
  hta: 'application/hta',
  htc: 'text/x-component',
};

/** JavaScript MIME types as the WHATWG MIME Sniffing standard lists them. */
const SCRIPT_TYPES = new Set([
  'application/ecmascript', 'application/javascript', 'application/x-ecmascript', 'application/x-javascript',
  'text/ecmascript', 'text/javascript', 'text/javascript1.0', 'text/javascript1.1', 'text/javascript1.2',
  'text/javascript1.3', 'text/javascript1.4', 'text/javascript1.5', 'text/jscript', 'text/livescript',
  'text/x-ecmascript', 'text/x-javascript',
]);

/**
 * A type a browser turns into a document that can run script (HTML, and every XML type: XHTML's
 * <script> runs inside any XML document), runs as script or style when the registry's own pages
 * include it (the CSP allows the site's origin), or opens in a plug-in viewer.
 */
export function isActiveType(type: string): boolean {
  return type === 'text/html' || type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml') ||
    SCRIPT_TYPES.has(type) || type === 'text/css' || type === 'text/xsl' || type === 'application/pdf' ||
    type === 'application/x-shockwave-flash' || type === 'multipart/related' || type === 'message/rfc822' ||
    type === 'application/hta' || type === 'text/x-component' || type === 'application/vnd.ms-htmlhelp';
}

const BY_EXTENSION = new Map<string, string>();
for (const [type, entry] of Object.entries(mimeDb)) {
  // mime-db lists an extension under several types; hosts take the first well-sourced one. Any
  // of them being active is reason enough to refuse, so an active type wins over an inert one.
  for (const extension of entry.extensions ?? []) {
    if (!BY_EXTENSION.has(extension) || isActiveType(type)) BY_EXTENSION.set(extension, type);
  }
}

/** The extension a host types a file name by: after the last dot, lowercased; '' when none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The Content-Type a host sends for a file of this name. */
export function servedAs(name: string): string {
  const extension = extensionOf(name);
  return ACTIVE_ELSEWHERE[extension] ?? BY_EXTENSION.get(extension) ?? 'application/octet-stream';
}

/** The active type a host would serve this name as; undefined when it is served as inert data. */
export function activeTypeOf(name: string): string | undefined {
  const type = servedAs(name);
  return isActiveType(type) ? type : undefined;
}
