// Which files a `{ file: PATH }` secret may name, and reading one. Manifests may come from people
// who must not see the project's secrets (`plan` on pull requests: DESIGN.md "Trust
// boundaries"), so a file is read only when, after following links, it lies inside the root
// folder of the manifest that names it or inside a folder the operator allows
// (`--allow-secret-dir`, AGORACTL_SECRET_DIRS), never because a manifest says so. Only regular
// files of a bounded size are read, so a FIFO or /dev/zero neither hangs a run nor fills memory.
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { splitGlob } from './files.ts';

/** Secrets are keys and tokens: far below this. A larger file is a mistake or an attack. */
export const SECRET_FILE_MAX_BYTES = 64 * 1024;

/** A folder secret files may be in: as named, and with its links followed. */
export interface SecretFolder {
  path: string;
  real: string;
}

export type SecretFileRead =
  | { ok: true; value: string }
  /** The path leaves every allowed folder (lexically, or once links are followed). */
  | { ok: false; refusal: 'outside' }
  | { ok: false; refusal: 'unreadable'; reason: string }
  | { ok: false; refusal: 'not-regular' }
  | { ok: false; refusal: 'too-large' };

/** Whether `path` is `folder` or below it; both absolute. `..name` is a name, not an escape. */
export function isInsideFolder(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  if (isAbsolute(rel)) return false;
  return rel !== '..' && !rel.startsWith(`..${sep}`);
}

async function secretFolder(path: string): Promise<SecretFolder | undefined> {
  try {
    return { path, real: await realpath(path) };
  } catch {
    // A folder that does not exist holds no file: nothing can be read through it.
    return undefined;
  }
}

async function secretFolders(paths: readonly string[]): Promise<SecretFolder[]> {
  const folders = await Promise.all(paths.map(secretFolder));
  return folders.filter((folder): folder is SecretFolder => folder !== undefined);
}

/**
 * The manifest roots of a run: each `-f` folder, the folder of each `-f` file, and the fixed
 * part of each `-f` glob.
 */
export async function manifestRoots(files: readonly string[], cwd = process.cwd()): Promise<SecretFolder[]> {
  const roots = await Promise.all(
    files.map(async (given) => {
      const glob = splitGlob(given, cwd);
      if (glob) return glob.base;
      const absolute = resolve(cwd, given);
      const info = await stat(absolute).catch(() => undefined);
      if (!info) return undefined;
      return info.isDirectory() ? absolute : dirname(absolute);
    }),
  );
  return secretFolders(roots.filter((root): root is string => root !== undefined));
}

/** The folders the operator allows: `--allow-secret-dir` and AGORACTL_SECRET_DIRS (path-delimiter separated). */
export async function allowedSecretFolders(flagDirs: readonly string[], env: Record<string, string | undefined>, cwd = process.cwd()): Promise<SecretFolder[]> {
  const fromEnv = (env.AGORACTL_SECRET_DIRS ?? '').split(delimiter).filter((dir) => dir.trim().length > 0);
  return secretFolders([...flagDirs, ...fromEnv].map((dir) => resolve(cwd, dir)));
}

/**
 * The folders one manifest's secret files may be in: the run's manifest roots that hold the
 * manifest (its own folder when none does, as when a library caller names no roots), and the
 * folders the operator allows.
 */
export async function foldersForManifest(manifest: string, roots: readonly SecretFolder[], allowed: readonly SecretFolder[]): Promise<SecretFolder[]> {
  const holding = roots.filter((root) => isInsideFolder(manifest, root.path));
  const own = holding.length > 0 ? holding : await secretFolders([dirname(manifest)]);
  return [...own, ...allowed];
}

/**
 * Reads the secret file `reference` names, relative to `base` (the manifest's folder), when it
 * lies in one of `folders`. A path outside them lexically is refused without touching the file
 * system, so an error cannot tell whether a file outside exists.
 */
export async function readSecretFile(reference: string, base: string, folders: readonly SecretFolder[]): Promise<SecretFileRead> {
  const target = resolve(base, reference);
  if (!folders.some((folder) => isInsideFolder(target, folder.path) || isInsideFolder(target, folder.real))) return { ok: false, refusal: 'outside' };
  let real: string;
  try {
    real = await realpath(target);
  } catch (error) {
    return whyUnresolved(target, folders, error);
  }
  if (!folders.some((folder) => isInsideFolder(real, folder.real))) return { ok: false, refusal: 'outside' };

  let handle;
  try {
    // Non-blocking, so opening a FIFO returns at once (and is then refused as not regular);
    // no-follow, so the path checked above is the file opened.
    handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return { ok: false, refusal: 'unreadable', reason: errorCode(error) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, refusal: 'not-regular' };
    if (info.size > SECRET_FILE_MAX_BYTES) return { ok: false, refusal: 'too-large' };
    // The file may grow after the stat: read at most one byte past the bound to know.
    const buffer = Buffer.alloc(SECRET_FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > SECRET_FILE_MAX_BYTES) return { ok: false, refusal: 'too-large' };
    }
    return { ok: true, value: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { ok: false, refusal: 'unreadable', reason: errorCode(error) };
  } finally {
    await handle.close();
  }
}

/** Links followed before a path is taken as a loop (Linux's limit). */
const MAX_LINKS = 40;

/**
 * Why `target` (lexically inside one of `folders`) has no real path, found by following it one
 * name at a time without looking at anything outside the folders: a link that leads out of them
 * is refused as 'outside' whether or not its target exists, as a path that exists outside is, so
 * the error does not tell what exists there.
 */
async function whyUnresolved(target: string, folders: readonly SecretFolder[], error: unknown): Promise<SecretFileRead> {
  const inside = (path: string): SecretFolder | undefined => folders.find((folder) => isInsideFolder(path, folder.path)) ?? folders.find((folder) => isInsideFolder(path, folder.real));
  /** Where an absolute path starts inside the folders (a real path) and the names after it. */
  const start = (path: string): { at: string; names: string[] } | undefined => {
    const folder = inside(path);
    if (!folder) return undefined;
    const from = isInsideFolder(path, folder.path) ? folder.path : folder.real;
    return { at: folder.real, names: relative(from, path).split(sep) };
  };
  let walk = start(target);
  let links = 0;
  while (walk) {
    const { at, names } = walk;
    const name = names.shift();
    if (name === undefined) break;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      walk.at = dirname(at);
      continue;
    }
    const next = join(at, name);
    if (!folders.some((folder) => isInsideFolder(next, folder.real))) return { ok: false, refusal: 'outside' };
    let link: string | undefined;
    try {
      if ((await lstat(next)).isSymbolicLink()) link = await readlink(next);
    } catch (cause) {
      return { ok: false, refusal: 'unreadable', reason: errorCode(cause) };
    }
    if (link === undefined) {
      walk.at = next;
      continue;
    }
    if (++links > MAX_LINKS) return { ok: false, refusal: 'unreadable', reason: 'ELOOP' };
    if (!isAbsolute(link)) {
      names.unshift(...link.split(sep));
      continue;
    }
    const after = start(resolve(link));
    if (!after) return { ok: false, refusal: 'outside' };
    walk = { at: after.at, names: [...after.names, ...names] };
  }
  // Every name resolved after all (the file system changed since realpath): its error stands.
  return { ok: false, refusal: 'unreadable', reason: errorCode(error) };
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'unreadable';
}
