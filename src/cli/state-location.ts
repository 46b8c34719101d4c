// Where `agoractl state` finds the state when told nothing: apply keeps it beside the manifests
// (`apply -f manifests/` writes manifests/.agoractl/state.json, src/state/default-path.ts), and
// people run `state list` from the folder that holds them. So: `--state`, else the default for
// `-f`, else `.agoractl/state.json` here, else the one state of a folder here.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveStatePath, STATE_FILE, STATE_FOLDER } from '../state/default-path.ts';
import { STATE_ENV } from '../state/open-store.ts';
import { isPostgresLocation } from '../state/postgres-location.ts';

export interface StateLocation {
  /** The state file to read (it may not exist), or a postgres:// URL. */
  path: string;
  /** Set when `path` is a database, which always exists once migrated. */
  database?: boolean;
  /** The folder searched when no location was given, so a missing state can say where it looked. */
  searchedIn?: string;
}

export class StateLocationError extends Error {
  constructor(
    readonly summary: string,
    readonly detail: string,
  ) {
    super(`${summary}: ${detail}`);
  }
}

export async function locateState(options: { state?: string; file?: string }, cwd: string = process.cwd(), env: Record<string, string | undefined> = process.env): Promise<StateLocation> {
  const state = options.state ?? (env[STATE_ENV] || undefined);
  if (state !== undefined && isPostgresLocation(state)) return { path: state, database: true };
  if (state !== undefined || options.file !== undefined) {
    return { path: resolveStatePath({ ...(state !== undefined ? { state } : {}), ...(options.file !== undefined ? { manifests: options.file } : {}) }, cwd) };
  }
  const here = join(resolve(cwd), STATE_FOLDER, STATE_FILE);
  if (await isFile(here)) return { path: here };
  const beside = await statesOfSubfolders(resolve(cwd));
  if (beside.length > 1) {
    throw new StateLocationError(`several state files below ${resolve(cwd)}: ${beside.join(', ')}`, 'choose one with -f MANIFESTS (as given to apply) or --state PATH');
  }
  return beside[0] !== undefined ? { path: beside[0] } : { path: here, searchedIn: resolve(cwd) };
}

/** What `state list` says when there is no state file where it looked. */
export function noStateMessage(location: StateLocation): string {
  const where = location.searchedIn === undefined ? location.path : `${location.path} nor in ${join(location.searchedIn, '*', STATE_FOLDER, STATE_FILE)}`;
  return `No state at ${where}: nothing has been applied with it yet. Give -f with the manifests apply used, or --state PATH.\n`;
}

export function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function statesOfSubfolders(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const candidates = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => join(folder, entry.name, STATE_FOLDER, STATE_FILE));
  const found = await Promise.all(candidates.map(async (path) => ((await isFile(path)) ? path : undefined)));
  return found.filter((path): path is string => path !== undefined).sort();
}
