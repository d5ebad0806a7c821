import path from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { defineCommand, REGISTRY_OPTION } from './command.ts';
import { done } from './output.ts';
import { tokensFile } from './token/tokens-fs.ts';

export default defineCommand({
  name: 'nginx-config',
  usage: '--root DIR --out-dir DIR [--registry DIR]',
  description:
    'Writes the nginx configuration for this registry, read from registry.yml: OUT/http.conf for\n' +
    'the http {} block (the library:// map) and OUT/server.conf for inside your own server {},\n' +
    'which keeps listen, server_name and TLS. server.conf serves the site from --root under the\n' +
    'url\'s path prefix: JSON types for the extensionless manifests and Library API files, the\n' +
    'library:// 303s, short cache headers for what moves and long ones for hashed assets, and the\n' +
    '404 page. Check it with `nginx -t`, then reload nginx.',
  options: {
    registry: REGISTRY_OPTION,
    root: { type: 'string', value: 'DIR', help: 'the folder nginx serves the site from (with `sifhub deploy DIR`: DIR/current)' },
    'out-dir': { type: 'string', value: 'DIR', help: 'where to write http.conf and server.conf (and auth.js for a private registry)' },
    tokens: { type: 'string', value: 'FILE', help: 'access: private: the tokens file `sifhub token` keeps, which nginx reads on every request (default SIFHUB_TOKENS, else /etc/sifhub/tokens.json)' },
    resolver: { type: 'string', value: 'ADDRESS', help: 'access: private: a DNS server for nginx to find internal image hosts named by host name' },
    'sso-auth': { type: 'string', value: 'URL', help: 'access: private: your single sign-on\'s auth endpoint (2xx for a signed-in browser, e.g. oauth2-proxy\'s /oauth2/auth), asked when no token came' },
    'sso-login': { type: 'string', value: 'URL', help: 'with --sso-auth: where a browser without a session is sent to sign in (the page asked for is appended)' },
  },
  async run(values) {
    if (values.root === undefined || values['out-dir'] === undefined) throw new UsageError('nginx-config needs --root DIR and --out-dir DIR', 'nginx-config');
    if (!path.isAbsolute(values.root)) throw new UsageError(`--root expects an absolute path (nginx reads it from its own working directory), received "${values.root}"`, 'nginx-config');
    if (/[\s;{}"'$\\]/.test(values.root)) throw new UsageError(`--root may not contain spaces, quotes or any of ; { } $ \\ (they would change nginx's configuration), received "${values.root}"`, 'nginx-config');
    const [{ loadRecords }, { toNginxConfig }, { writeFile, mkdir }] = await Promise.all([import('../records/load-records-fs.ts'), import('../hosts/nginx-config.ts'), import('node:fs/promises')]);
    const { checked } = await loadRecords(values.registry);
    if (!checked.ok) throw new InputError(checked.problems);
    if (values['sso-login'] !== undefined && values['sso-auth'] === undefined) throw new UsageError('--sso-login goes with --sso-auth', 'nginx-config');
    for (const [option, value] of [['--sso-auth', values['sso-auth']], ['--sso-login', values['sso-login']]] as const) {
      if (value !== undefined && !/^https?:\/\/[^\s;{}"'$\\]+$/.test(value)) throw new UsageError(`${option} expects an http(s) URL without spaces, quotes or any of ; { } $ \\, received "${value}"`, 'nginx-config');
    }
    for (const [option, value] of [['--tokens', values.tokens], ['--resolver', values.resolver]] as const) {
      if (value !== undefined && /[\s;{}"'$\\]/.test(value)) throw new UsageError(`${option} may not contain spaces, quotes or any of ; { } $ \\, received "${value}"`, 'nginx-config');
    }
    const authScript = path.resolve(values['out-dir'], 'auth.js');
    const { http, server, authScript: script } = toNginxConfig(checked.registry.config, values.root, { authScript, tokens: tokensFile(values.tokens), resolver: values.resolver, ...(values['sso-auth'] ? { sso: { auth: values['sso-auth'], login: values['sso-login'] } } : {}) });
    await mkdir(values['out-dir'], { recursive: true });
    await writeFile(path.join(values['out-dir'], 'http.conf'), http);
    await writeFile(path.join(values['out-dir'], 'server.conf'), server);
    if (script !== undefined) await writeFile(authScript, script);
    console.log(done(`Wrote ${path.join(values['out-dir'], 'http.conf')} (include it in http {}) and ${path.join(values['out-dir'], 'server.conf')} (include it in the site's server {}); then nginx -t && nginx -s reload`));
    return 0;
  },
});
