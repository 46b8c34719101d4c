// Which files `-f PATH...` means: a file as given, every *.yaml / *.yml below a folder, or what
// a glob matches (`manifests/**/*.yaml`, quoted so the shell leaves it to us). Node 20 has no
// stable glob (path.matchesGlob prints an experimental warning), hence the small matcher here.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { basename, extname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';

export interface ExpandedPaths {
  /**
   * Absolute paths, in the order given, each real file once (however many links reach it); a
   * folder's files sorted by path. A file reached through a link keeps the link's path.
   */
  files: string[];
  errors: ManifestError[];
}

const MANIFEST_FILE = /\.ya?ml$/i;
const GLOB_CHARACTERS = /[*?[\]{}]/;

/** A path as error messages show it: relative to the working directory when inside it. */
export function displayPath(absolute: string, cwd = process.cwd()): string {
  const fromCwd = relative(cwd, absolute);
  if (fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd)) return absolute;
  return fromCwd.split(sep).join('/');
}

/**
 * Something a folder walk could not take as a file or a folder. Whether it is an error depends
 * on what was asked for: a broken `notes.txt` link in a folder of manifests is nothing agoractl
 * would have read, a broken `players.yaml` link is a manifest gone missing.
 */
interface Obstacle {
  path: string;
  code: ManifestError['code'];
  message: string;
  /** Could it have held manifests (a folder, or a name a folder walk would read)? */
  couldHoldManifests: boolean;
}

interface Walked {
  files: string[];
  obstacles: Obstacle[];
}

export async function expandPaths(paths: readonly string[], cwd = process.cwd()): Promise<ExpandedPaths> {
  const files: string[] = [];
  const errors: ManifestError[] = [];
  const seen = new Set<string>();
  // Folders already walked in this expansion (by real path): two links to one folder, or a
  // folder named twice, are walked once.
  const walked = new Set<string>();
  const add = async (file: string): Promise<void> => {
    const real = await realpath(file).catch(() => file);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(file);
  };
  const pathError = (file: string, message: string, code: ManifestError['code']): void => {
    errors.push({ file, line: 1, column: 1, path: '', message, code });
  };
  const report = (obstacles: readonly Obstacle[], wanted: (obstacle: Obstacle) => boolean): void => {
    for (const obstacle of obstacles) if (wanted(obstacle)) pathError(displayPath(obstacle.path, cwd), obstacle.message, obstacle.code);
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    const glob = splitGlob(given, cwd);
    if (glob) {
      const found = await expandGlob(glob);
      report(found.obstacles, (obstacle) => obstacle.code === ErrorCode.LinkLoop || found.matches(obstacle.path));
      if (found.files.length === 0 && !found.obstacles.some((obstacle) => found.matches(obstacle.path))) {
        pathError(given, 'no file matches this pattern', ErrorCode.PathNotFound);
      }
      for (const file of found.files) await add(file);
      continue;
    }
    const info = await stat(absolute).catch((error: unknown) => error);
    if (!isStats(info)) {
      const link = await lstat(absolute).catch(() => undefined);
      if (link?.isSymbolicLink()) pathError(given, brokenLinkMessage(info), isLoop(info) ? ErrorCode.LinkLoop : ErrorCode.BrokenLink);
      else pathError(given, 'no such file or directory', ErrorCode.PathNotFound);
    } else if (info.isDirectory()) {
      const real = await realpath(absolute);
      // A folder named twice (or inside one named before) was read the first time.
      if (walked.has(real)) continue;
      const found = await walk(absolute, real, new Set(), walked);
      report(found.obstacles, (obstacle) => obstacle.couldHoldManifests);
      const manifests = found.files.filter((file) => MANIFEST_FILE.test(file));
      if (manifests.length === 0 && !found.obstacles.some((obstacle) => obstacle.couldHoldManifests)) {
        pathError(given, 'folder holds no *.yaml or *.yml file', ErrorCode.NoManifests);
      }
      for (const file of manifests) await add(file);
    } else {
      await add(absolute);
    }
  }
  return { files, errors };
}

function isStats(value: unknown): value is Stats {
  return typeof value === 'object' && value !== null && 'isDirectory' in value;
}

function isLoop(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ELOOP';
}

function brokenLinkMessage(error: unknown): string {
  return isLoop(error)
    ? 'symbolic link loop: the link leads back to itself through other links'
    : 'broken symbolic link: its target does not exist, so the manifests it named cannot be read';
}

/**
 * Every file below `folder`, sorted, following symbolic links to files and folders, skipping
 * hidden folders (and links to folders with hidden names: Kubernetes mounts a ConfigMap as
 * `..data -> ..2024_...` with visible links through `..data`, which are read) and node_modules.
 * `real` is the folder's real path; `ancestors` the real paths of the folders that hold it.
 */
async function walk(folder: string, real: string, ancestors: ReadonlySet<string>, walked: Set<string>): Promise<Walked> {
  walked.add(real);
  const result: Walked = { files: [], obstacles: [] };
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
    result.obstacles.push({ path: folder, code: ErrorCode.FileUnreadable, message: `cannot read folder (${reason}), so its manifests cannot be loaded`, couldHoldManifests: true });
    return result;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const inside = new Set([...ancestors, real]);
  for (const entry of entries) {
    const path = join(folder, entry.name);
    const hidden = entry.name.startsWith('.');
    let info: Stats | Dirent = entry;
    let target = join(real, entry.name);
    if (entry.isSymbolicLink()) {
      const followed = await stat(path).catch((error: unknown) => error);
      if (!isStats(followed)) {
        // A broken link named like a manifest, or with no extension (it may have been a folder).
        const couldHoldManifests = MANIFEST_FILE.test(entry.name) || (!hidden && extname(entry.name) === '');
        result.obstacles.push({ path, code: isLoop(followed) ? ErrorCode.LinkLoop : ErrorCode.BrokenLink, message: brokenLinkMessage(followed), couldHoldManifests });
        continue;
      }
      info = followed;
      target = await realpath(path);
    }
    if (info.isDirectory()) {
      if (hidden || entry.name === 'node_modules') continue;
      if (inside.has(target)) {
        result.obstacles.push({
          path,
          code: ErrorCode.LinkLoop,
          message: `symbolic link loop: it leads to ${displayPath(target)}, a folder that holds it`,
          couldHoldManifests: true,
        });
        continue;
      }
      if (walked.has(target)) continue;
      const below = await walk(path, target, inside, walked);
      result.files.push(...below.files);
      result.obstacles.push(...below.obstacles);
    } else if (info.isFile()) {
      result.files.push(path);
    } else {
      result.obstacles.push({
        path,
        code: ErrorCode.NotAFile,
        message: 'not a regular file (a socket, FIFO or device), so it is not read',
        couldHoldManifests: MANIFEST_FILE.test(basename(path)),
      });
    }
  }
  return result;
}

/** A `-f` glob: the folder it searches (its fixed part, before the first pattern segment) and the pattern below that folder. */
export interface GlobPath {
  base: string;
  /** '/'-separated, relative to base. */
  pattern: string;
}

/**
 * The glob `given` is, or undefined when it is a plain path. Only what was given is a pattern:
 * glob characters in the working directory's own path (`/builds/app[2]/`) are names.
 */
export function splitGlob(given: string, cwd = process.cwd()): GlobPath | undefined {
  if (!GLOB_CHARACTERS.test(given)) return undefined;
  const parts = given.split(sep);
  const firstGlob = parts.findIndex((part) => GLOB_CHARACTERS.test(part));
  const fixed = parts.slice(0, firstGlob).join(sep);
  return { base: resolve(cwd, fixed === '' && isAbsolute(given) ? sep : fixed), pattern: posix.normalize(parts.slice(firstGlob).join('/')) };
}

async function expandGlob({ base, pattern }: GlobPath): Promise<Walked & { matches: (path: string) => boolean }> {
  const matcher = globToRegExp(pattern);
  const matches = (path: string): boolean => matcher.test(relative(base, path).split(sep).join('/'));
  const real = await realpath(base).catch(() => undefined);
  // What a glob matches does not depend on the other -f paths: its folders are walked afresh.
  const found = real === undefined ? { files: [], obstacles: [] } : await walk(base, real, new Set(), new Set());
  return { files: found.files.filter(matches), obstacles: found.obstacles, matches };
}

/**
 * A RegExp for a glob over '/'-separated paths: `*` and `?` within one segment, `**` across
 * segments, `{a,b}` alternatives and `[...]` classes (`[!...]` negated).
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let braces = 0;
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index] ?? '';
    if (char === '*') {
      if (glob[index + 1] === '*') {
        const slashAfter = glob[index + 2] === '/';
        source += slashAfter ? '(?:[^/]*/)*' : '.*';
        index += slashAfter ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', index + 1);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      const body = glob.slice(index + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
      source += `[${body}]`;
      index = close;
    } else if (char === '{') {
      braces += 1;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces -= 1;
      source += ')';
    } else if (char === ',' && braces > 0) {
      source += '|';
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
