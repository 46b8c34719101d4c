// Where the state lives when `--state` is not given: `.agoractl/state.json` in the folder that
// holds the manifests, so `-f manifests/` and `-f manifests/prod.yaml` share one state.
import { statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';

export const STATE_FOLDER = '.agoractl';
export const STATE_FILE = 'state.json';

/**
 * The default state path for a manifest file or folder (as given to `-f`), relative to `cwd`.
 * Without one it is `.agoractl/state.json` in `cwd`.
 */
export function defaultStatePath(manifestsPath?: string, cwd: string = process.cwd()): string {
  if (manifestsPath === undefined) return join(resolve(cwd), STATE_FOLDER, STATE_FILE);
  const target = resolve(cwd, manifestsPath);
  return join(isFolder(target) ? target : dirname(target), STATE_FOLDER, STATE_FILE);
}

function isFolder(path: string): boolean {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats) return stats.isDirectory();
  // Not there yet: a name with a manifest extension is a file, anything else a folder.
  return !['.yaml', '.yml', '.json'].includes(extname(path).toLowerCase());
}

/** `--state` when given, else the default for `-f`. */
export function resolveStatePath(options: { state?: string; manifests?: string }, cwd: string = process.cwd()): string {
  return options.state !== undefined ? resolve(cwd, options.state) : defaultStatePath(options.manifests, cwd);
}
