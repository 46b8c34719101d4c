// Which files `-f PATH...` means: a file as given, every *.yaml / *.yml below a folder, or what
// a glob matches (`manifests/**/*.yaml`, quoted so the shell leaves it to us). Node 20 has no
// stable glob (path.matchesGlob prints an experimental warning), hence the small matcher here.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';

export interface ExpandedPaths {
  /** Absolute paths, in the order given, each once; a folder's files sorted by path. */
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

export async function expandPaths(paths: readonly string[], cwd = process.cwd()): Promise<ExpandedPaths> {
  const files: string[] = [];
  const errors: ManifestError[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
  };
  const pathError = (given: string, message: string, code: ManifestError['code']): void => {
    errors.push({ file: given, line: 1, column: 1, path: '', message, code });
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    if (GLOB_CHARACTERS.test(given)) {
      const matches = await expandGlob(absolute);
      if (matches.length === 0) pathError(given, 'no file matches this pattern', ErrorCode.PathNotFound);
      matches.forEach(add);
      continue;
    }
    const info = await stat(absolute).catch(() => undefined);
    if (!info) {
      pathError(given, 'no such file or directory', ErrorCode.PathNotFound);
    } else if (info.isDirectory()) {
      const found = (await walk(absolute)).filter((file) => MANIFEST_FILE.test(file));
      if (found.length === 0) pathError(given, 'folder holds no *.yaml or *.yml file', ErrorCode.NoManifests);
      found.forEach(add);
    } else {
      add(absolute);
    }
  }
  return { files, errors };
}

/** Every file below `folder`, sorted, skipping hidden folders and node_modules. */
async function walk(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      files.push(...(await walk(path)));
    } else if (entry.isFile()) {
      files.push(path);
    } else if (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile()) {
      // A Kubernetes ConfigMap volume shows each key as a link through `..data`. Linked folders
      // are not followed: a link may loop.
      files.push(path);
    }
  }
  return files;
}

async function expandGlob(absolutePattern: string): Promise<string[]> {
  const parts = absolutePattern.split(sep);
  const firstGlob = parts.findIndex((part) => GLOB_CHARACTERS.test(part));
  const base = parts.slice(0, firstGlob).join(sep) || sep;
  const matcher = globToRegExp(parts.join('/'));
  const candidates = await walk(base);
  return candidates.filter((file) => matcher.test(file.split(sep).join('/')));
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
