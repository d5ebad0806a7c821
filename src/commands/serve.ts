import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { defineCommand } from './command.ts';

export default defineCommand({
  name: 'serve',
  description: 'Serves a built site as a static host would, under its path prefix, until Ctrl-C.',
  options: {
    dir: { type: 'string', value: 'DIR', default: 'dist', help: 'the built site' },
    host: { type: 'string', value: 'HOST', default: '127.0.0.1', help: 'the address to listen on' },
    port: { type: 'string', value: 'N', default: '4321', help: 'the port to listen on (0 picks a free one)' },
  },
  async run(values) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port expects a port number, received "${values.port}"`, 'serve');
    const registry = JSON.parse(await readFile(path.join(values.dir, 'api/v1/registry.json'), 'utf8').catch(() => {
      throw new UsageError(`${values.dir}/ holds no built site; run \`sifhub build\` first`, 'serve');
    })) as { url: string };
    const [{ startStaticServer }, { basePath }] = await Promise.all([import('../serve/static-server-node.ts'), import('../site/urls.ts')]);
    const server = await startStaticServer({ root: values.dir, host: values.host, port, base: basePath(registry) });
    console.log(`Serving ${values.dir}/ at ${server.url}/ (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    await server.close();
  },
});
