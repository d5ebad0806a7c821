import { describe, expect, it } from 'vitest';
import { sregistryPullCommand } from '../../src/site/urls.ts';
import { toPullCommands } from '../../src/model/pull-commands.ts';
import { sregistryManifestUrl } from '../helpers/shub-client.ts';

// The sregistry-cli command a page shows must make sregistry-cli ask for that tag's manifest:
// read back through a port of the client's own name parsing (sregistry/utils/names.py).
describe('sregistryPullCommand', () => {
  it('names the host in the reference for a site at the root of its host', () => {
    const command = sregistryPullCommand({ url: 'https://sif.example.org' }, 'lab', 'tool', '1.0');
    expect(command).toBe('sregistry pull registry://sif.example.org/lab/tool:1.0');
    expect(sregistryManifestUrl(command!)).toBe('https://sif.example.org/api/container/lab/tool:1.0');
  });

  it('names a site under a path prefix by SREGISTRY_REGISTRY_BASE, since the client would read the prefix as the collection', () => {
    const command = sregistryPullCommand({ url: 'https://lab.github.io/registry/' }, 'lab', 'tool', '1.0');
    expect(sregistryManifestUrl(command!)).toBe('https://lab.github.io/registry/api/container/lab/tool:1.0');
    // The host form would ask for another path.
    expect(sregistryManifestUrl('sregistry pull registry://lab.github.io/registry/lab/tool:1.0')).toBe('https://lab.github.io/api/container/registry/lab/tool:1.0');
  });

  it('keeps a host with .img in it out of the reference, where the client would cut it', () => {
    const command = sregistryPullCommand({ url: 'https://sif.images.example.org' }, 'lab', 'tool', '1.0');
    expect(sregistryManifestUrl(command!)).toBe('https://sif.images.example.org/api/container/lab/tool:1.0');
  });

  it('offers no command for a name sregistry-cli would mangle', () => {
    for (const [container, tag] of [['tool', '1.sif'], ['tool.simg', '1.0'], ['tool', 'x.img2']]) {
      expect(sregistryPullCommand({ url: 'https://sif.example.org' }, 'lab', container!, tag!)).toBeUndefined();
    }
  });
});

describe('toPullCommands', () => {
  const config = { name: 'Lab', url: 'https://lab.github.io/registry', repository: 'https://git.example.edu/lab/registry' };
  const target = { collection: 'lab', container: 'tool', tag: '1.0', md5: 'a'.repeat(32), sha256: 'b'.repeat(64), imageUrl: 'https://images.example.org/tool.sif' };
  const labels = (pull: { commands: { label: string }[] }) => pull.commands.map((c) => c.label);

  it('offers sregistry-cli unless the image is a GitHub release download, on github.com or the registry\'s own server', () => {
    expect(toPullCommands(config, target)).toMatchObject({ note: 'sregistry-no-pin' });
    expect(labels(toPullCommands(config, target))).toEqual(['Apptainer', 'SingularityCE', 'sregistry-cli', 'Pinned (these exact bytes)']);
    for (const imageUrl of ['https://github.com/lab/registry/releases/download/v1/tool.sif', 'https://git.example.edu/lab/registry/releases/download/v1/tool.sif']) {
      const pull = toPullCommands(config, { ...target, imageUrl });
      expect(pull.note).toBe('sregistry-no-redirect');
      expect(labels(pull)).not.toContain('sregistry-cli');
    }
  });

  it('offers only the pinned forms for a yanked image, library:// too when the registry serves it', () => {
    const pull = toPullCommands({ ...config, library: 'nginx' }, { ...target, pinnedOnly: true });
    expect(pull.note).toBe('yanked');
    expect(pull.commands.map((c) => c.text)).toEqual([
      `apptainer pull shub://lab.github.io/registry/lab/tool:1.0@${'a'.repeat(32)}`,
      `singularity pull shub://lab.github.io/registry/lab/tool:1.0@${'a'.repeat(32)}`,
      `apptainer pull --library https://lab.github.io/registry library://lab/tool:sha256.${'b'.repeat(64)}`,
    ]);
  });
});
