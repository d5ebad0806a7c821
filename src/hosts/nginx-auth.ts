// A private registry's door (registry.yml `access: private`), for nginx's njs module: every
// request of the site passes through `auth_request` to `check`, which accepts a token that
// `sifhub token add` issued, sent as the Library API clients send it (`Authorization: Bearer
// TOKEN`, what `apptainer remote login` stores) or by a browser as HTTP basic authentication
// (any user name, the token as password), or, with single sign-on configured, a browser whose
// session the institution's auth endpoint accepts (nginx's auth_request pattern). The tokens file holds only each token's sha256, its
// name and its expiry, and is read on every request: an expired token fails the moment it
// expires, a revoked one the moment `sifhub token revoke` writes the file. Pure: the text of the
// script `sifhub nginx-config` writes.

/** A token as `sifhub token` stores it. */
export interface StoredToken {
  name: string;
  /** sha256 hex of the token. */
  sha256: string;
  created: string;
  /** ISO date-time; absent: never. */
  expires?: string;
}

export interface TokensFile {
  version: 1;
  tokens: StoredToken[];
}

/** The njs module: `check` answers 204 (let it through) or 401, never the file's contents. */
export function toNginxAuthScript(tokensFile: string, sso?: string): string {
  return `// Written by \`sifhub nginx-config\`: a private registry's token check (registry.yml access: private).
import fs from 'fs';
import crypto from 'crypto';

const TOKENS = ${JSON.stringify(tokensFile)};
// The institution's single sign-on, asked when no valid token came (a browser with its session).
const SSO = ${JSON.stringify(sso ?? null)};

function presented(r) {
  const header = r.headersIn.Authorization || '';
  const bearer = /^Bearer\\s+(\\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return undefined;
  const pair = Buffer.from(basic[1], 'base64').toString();
  const colon = pair.indexOf(':');
  return colon === -1 ? undefined : pair.slice(colon + 1);
}

function check(r) {
  if (tokenValid(r)) return r.return(204);
  if (!SSO) return r.return(401);
  r.subrequest(SSO, { method: 'GET' }, (reply) => r.return(reply.status >= 200 && reply.status < 300 ? 204 : 401));
}

function tokenValid(r) {
  const token = presented(r);
  if (!token) return false;
  let stored;
  try {
    stored = JSON.parse(fs.readFileSync(TOKENS)).tokens;
  } catch (e) {
    r.error('sifhub: cannot read ' + TOKENS + ': ' + e.message);
    return false;
  }
  const sha256 = crypto.createHash('sha256').update(token).digest('hex');
  const now = Date.now();
  for (let i = 0; i < stored.length; i++) {
    const t = stored[i];
    if (t.sha256 === sha256 && (!t.expires || Date.parse(t.expires) > now)) return true;
  }
  return false;
}

// library:// in a private registry: the image is fetched by nginx from where the record says
// (internal storage) and passed on, so its address never leaves the server. Runs after the token
// check (content phase), so an unknown image is a 404 only to someone holding a token.
function image(r) {
  const image = r.variables.sifhub_image;
  if (!image) return r.return(404, 'no such image\\n');
  // The map's probe names the map nginx has loaded, no image: answered as the public map answers it.
  if (image.indexOf('https://sifhub.invalid/') === 0) return r.return(303, image);
  r.internalRedirect('@sifhub_image');
}

export default { check, image };
`;
}
