// Replacing a file so that a crash at any moment leaves either the old content or the new,
// never a mix or an empty file: write a temporary file in the same folder (rename is atomic
// only within one file system), flush it to disk, rename it over the target, then flush the
// folder so the rename itself survives a power cut.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-liveness.ts';

export interface AtomicWriteOptions {
  /** File mode of a newly written file. */
  mode?: number;
  /**
   * Runs after the temporary file is durable and before the rename. Tests use it to crash a
   * process at the worst moment and check that the old content survives.
   */
  beforeRename?: (tempPath: string) => Promise<void> | void;
}

/** The temporary files of `target` carry the writer's pid, so leftovers of dead writers can be told apart. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const folder = dirname(target);
  await mkdir(folder, { recursive: true });
  const tempPath = tempPathFor(target);
  let renamed = false;
  try {
    const file = await open(tempPath, 'wx', options.mode ?? 0o600);
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await options.beforeRename?.(tempPath);
    await rename(tempPath, target);
    renamed = true;
  } finally {
    if (!renamed) await unlink(tempPath).catch(() => undefined);
  }
  await syncFolder(folder);
}

/** Flushes a folder's entries (a rename, a new or removed file) to disk. */
export async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems (Windows, some network mounts) cannot open or fsync a
    // folder; the rename is still atomic there, only its durability is the OS's to decide.
    if (!isErrno(error, ['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'])) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Removes temporary files of `target` left by writers that died before their rename (a live
 * writer's file is kept). Their content was never the state, so nothing is lost.
 */
export async function removeLeftoverTempFiles(target: string): Promise<string[]> {
  const prefix = `${basename(target)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch (error) {
    if (isErrno(error, ['ENOENT'])) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!match || isProcessAlive(Number(match[1]))) continue;
    const path = join(dirname(target), name);
    await unlink(path).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}

export function isErrno(error: unknown, codes: readonly string[]): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && codes.includes(error.code);
}
