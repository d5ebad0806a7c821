import { UsageError } from '../../errors.ts';
import { defineCommand } from '../command.ts';
import { parseDuration } from '../duration.ts';
import { done } from '../output.ts';

export default defineCommand({
  name: 'token',
  usage: '(add NAME [--expires 30d] | list | revoke NAME) [--file FILE]',
  description:
    'The tokens of a private registry (registry.yml access: private), which nginx checks on every\n' +
    'request (`sifhub nginx-config`). add prints a new token once and stores only its sha256, its\n' +
    'name and its expiry; list shows them; revoke removes one. The file is outside the repository and\n' +
    'the site (default /etc/sifhub/tokens.json, or SIFHUB_TOKENS); nginx reads it on every request,\n' +
    'so an expired token stops working when it expires and a revoked one at once. Give the token to\n' +
    'its holder: `apptainer remote login --tokenfile FILE` (library://), or as the password of\n' +
    'basic authentication in a browser.',
  arguments: [
    { name: 'add|list|revoke', help: 'what to do' },
    { name: 'NAME', help: 'the token\'s name: who or what holds it (add, revoke)', optional: true },
  ],
  options: {
    expires: { type: 'string', value: 'DURATION', help: 'add: how long the token works (30d, 12h, 900s); default: until revoked' },
    file: { type: 'string', value: 'FILE', help: 'the tokens file (default SIFHUB_TOKENS, else /etc/sifhub/tokens.json)' },
  },
  async run(values, [action, name]) {
    const { readTokens, writeTokens, newToken, tokensFile } = await import('./tokens-fs.ts');
    const file = tokensFile(values.file);
    if (action === 'list') {
      if (name !== undefined) throw new UsageError('token list takes no NAME', 'token');
      const tokens = await readTokens(file);
      if (tokens.length === 0) console.log(`No tokens in ${file}.`);
      const now = Date.now();
      for (const t of tokens) console.log(`${t.name.padEnd(24)} created ${t.created.slice(0, 10)}  ${t.expires === undefined ? 'never expires' : `${Date.parse(t.expires) > now ? 'expires' : 'expired'} ${t.expires.replace(/\.\d+Z$/, 'Z')}`}`);
      return 0;
    }
    if (action !== 'add' && action !== 'revoke') throw new UsageError(`token expects add, list or revoke, received "${action}"`, 'token');
    if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) throw new UsageError(`token ${action} needs a NAME of letters, digits and . _ @ - (at most 64), received ${name === undefined ? 'none' : `"${name}"`}`, 'token');
    const tokens = await readTokens(file);
    if (action === 'revoke') {
      if (values.expires !== undefined) throw new UsageError('--expires goes with add', 'token');
      if (!tokens.some((t) => t.name === name)) throw new UsageError(`${file} has no token named "${name}"; \`sifhub token list\` shows them`, 'token');
      await writeTokens(file, tokens.filter((t) => t.name !== name));
      console.error(done(`Revoked "${name}": nginx refuses it from the next request on`));
      return 0;
    }
    if (tokens.some((t) => t.name === name)) throw new UsageError(`${file} already has a token named "${name}"; revoke it first, or choose another name`, 'token');
    const seconds = values.expires === undefined ? undefined : parseDuration(values.expires);
    if (typeof seconds === 'string') throw new UsageError(seconds, 'token');
    const { token, stored } = newToken(name, seconds);
    await writeTokens(file, [...tokens, stored]);
    console.error(done(`Added "${name}"${stored.expires ? `, valid until ${stored.expires.replace(/\.\d+Z$/, 'Z')}` : ', valid until revoked'}. It is shown this once; ${file} keeps only its sha256:`));
    console.log(token);
    return 0;
  },
});
