import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real git repository in a temp folder, with commits at fixed dates. */
export class TempRepo {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<TempRepo> {
    const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-repo-'));
    const repo = new TempRepo(dir);
    await repo.git('init', '-q', '-b', 'main');
    return repo;
  }

  /** An existing repository (one `sifhub init` made). */
  static at(dir: string): TempRepo {
    return new TempRepo(dir);
  }

  get registry(): string {
    return path.join(this.dir, 'registry');
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', args, { cwd: this.dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    return stdout;
  }

  async write(files: Record<string, string>): Promise<void> {
    for (const [file, text] of Object.entries(files)) {
      const target = path.join(this.dir, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.dir, file));
  }

  /** Commits everything with author and committer date `date` (ISO). Returns the commit id. */
  async commit(message: string, date: string, author = 'Ada Lovelace'): Promise<string> {
    await this.git('add', '-A');
    await run('git', ['-c', `user.name=${author}`, '-c', 'user.email=ada@example.org', 'commit', '-q', '-m', message], {
      cwd: this.dir,
      env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    return (await this.git('rev-parse', 'HEAD')).trim();
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const REGISTRY_YML = 'name: Test registry\nurl: https://registry.example.org\n';

export interface Image {
  url: string;
  sha256: string;
  md5: string;
  size: number;
}

/** A fake image identity; `n` makes distinct, valid hashes. */
export function image(n: number, url = `https://images.example.org/${n}.sif`): Image {
  // Distinct leading digits, and letters after them: an all-digit hash is a YAML number.
  const hex = (length: number) => n.toString(16).padEnd(length, 'e');
  return { url, sha256: hex(64), md5: hex(32), size: 1000 + n };
}

/** A real image's identity, with its bytes, as served at `url`. */
export function describeImage(bytes: Buffer, url: string): Image & { bytes: Buffer } {
  return { url, bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('hex') };
}

export function tagRecord(img: Image, extra = '', notes = ''): string {
  return `---\nurl: ${img.url}\nsha256: ${img.sha256}\nmd5: ${img.md5}\nsize: ${img.size}\n${extra}---\n${notes}`;
}
