import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '../../ports/object-store.js';

/**
 * The object store of local mode: one file per key under a root folder (`.data/reports/`), with S3's semantics that
 * matter here: a put is all or nothing (written aside, then renamed), a missing key reads as undefined, and a key
 * cannot leave the root.
 */
export class FileObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const aside = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(aside, body, { mode: 0o600 });
    await rename(aside, path);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!/^[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]*$/.test(key) || key.includes('..') || !path.startsWith(this.root + sep)) {
      throw new Error(`object key outside the store: ${JSON.stringify(key)}`);
    }
    return path;
  }
}
