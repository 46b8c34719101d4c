// `agoractl state migrate | push | pull`: creating or upgrading a PostgreSQL state's schema, and
// moving a state between a file and PostgreSQL (a team moving its pipelines onto a shared
// database, or taking a copy back). A copy never overwrites a newer state: the same lineage at a
// higher serial, or another lineage, is refused unless --force says so.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../state/atomic-write.ts';
import { stateLocationInvalid, stateTransferRefused } from '../state/errors.ts';
import { openFileStateStore } from '../state/file-store.ts';
import { resolveStateLocation, STATE_ENV } from '../state/open-store.ts';
import { isPostgresLocation, redactPostgresUrl } from '../state/postgres-location.ts';
import { migratePostgresState, openPostgresStateStore, type PostgresStateStore } from '../state/postgres-store.ts';
import { serializeSnapshot } from '../state/snapshot.ts';
import type { StateStore } from '../state/store.ts';
import type { StateSnapshot } from '../state/types.ts';
import { fileOption, lockTimeoutOption, stateOption } from './options.ts';
import { reportingStateErrors, writerOf } from './state-command.ts';

interface FileOptions {
  state?: string;
  file?: string;
  force?: boolean;
  /** Seconds. */
  lockTimeout: number;
}

export function registerTransfer(state: Command): void {
  state
    .command('migrate')
    .description(`Create or upgrade the schema of a PostgreSQL state (opening one does it too; this lets a DBA run it first)`)
    .addOption(stateOption(`the postgres:// URL (default: $${STATE_ENV})`, 'url'))
    .action(async (options: { state?: string }, command: Command) => {
      await reportingStateErrors(command, async () => {
        const url = postgresUrl(options.state ?? process.env[STATE_ENV], '--state');
        const { location, report } = await migratePostgresState(url);
        const applied = report.applied.map((m) => `  applied migration ${m.version}: ${m.description}\n`).join('');
        writerOf(command)(`${applied}The state schema at ${location} is at migration ${report.to}${report.applied.length === 0 ? ' (nothing to do)' : ''}.\n`);
      });
    });

  withFileLocation(state.command('push'))
    .description('Copy a state file into a PostgreSQL state (lineage and serial included)')
    .requiredOption('--to <url>', 'the postgres:// URL to copy into')
    .action(async (options: FileOptions & { to: string }, command: Command) => {
      await reportingStateErrors(command, async () => {
        const url = postgresUrl(options.to, '--to');
        const path = filePath(options);
        const source = await readFileState(path);
        await withPostgres(url, async (target) => {
          const lock = await target.lock({ owner: 'agoractl state push', waitMs: options.lockTimeout * 1000 });
          try {
            refuseOverwritingNewer(source, await target.load(), path, target.location, options.force === true);
            await target.replaceSnapshot(source);
          } finally {
            await lock.release();
          }
          writerOf(command)(`Pushed ${describe(source)} from ${path} to ${target.location}.\n`);
        });
      });
    });

  withFileLocation(state.command('pull'))
    .description('Copy a PostgreSQL state into a state file (lineage and serial included)')
    .requiredOption('--from <url>', 'the postgres:// URL to copy from')
    .action(async (options: FileOptions & { from: string }, command: Command) => {
      await reportingStateErrors(command, async () => {
        const url = postgresUrl(options.from, '--from');
        const path = filePath(options);
        let source: StateSnapshot | undefined;
        await withPostgres(url, async (store) => {
          source = await store.load();
        });
        if (!source) return;
        const target = await openFileStateStore(path);
        try {
          const lock = await target.lock({ owner: 'agoractl state pull', waitMs: options.lockTimeout * 1000 });
          try {
            refuseOverwritingNewer(source, await target.load(), redactPostgresUrl(url), path, options.force === true);
            await mkdir(dirname(path), { recursive: true });
            await writeFileAtomic(path, serializeSnapshot(source));
          } finally {
            await lock.release();
          }
        } finally {
          await target.close();
        }
        writerOf(command)(`Pulled ${describe(source)} from ${redactPostgresUrl(url)} to ${path}.\n`);
      });
    });
}

/**
 * Throws unless `target` may be replaced by `source`: an empty target (never written) always
 * may; one of the same lineage may when it is not ahead; anything else only with --force.
 */
export function refuseOverwritingNewer(source: StateSnapshot, target: StateSnapshot, from: string, to: string, force: boolean): void {
  if (force || (target.serial === 0 && Object.keys(target.resources).length === 0)) return;
  if (target.lineage !== source.lineage) {
    throw stateTransferRefused(
      from,
      to,
      `they are different states (lineage ${source.lineage} and ${target.lineage}), so the copy would make agoractl forget what the other one owns`,
      'Pass --force to replace it anyway',
    );
  }
  if (target.serial > source.serial) {
    throw stateTransferRefused(from, to, `the destination is newer (serial ${target.serial}, the copy is at ${source.serial})`, 'Copy the other way, or pass --force to replace it anyway');
  }
}

function withFileLocation(command: Command): Command {
  return command
    .addOption(stateOption('the state file (default: .agoractl/state.json beside the manifests)'))
    .addOption(fileOption('manifest file or folder, as given to apply -f, whose default state file to use', 'one'))
    .option('--force', 'replace a state of another lineage or a higher serial')
    .addOption(lockTimeoutOption('how long to wait for a running apply to release the destination'));
}

function filePath(options: FileOptions): string {
  // The environment's AGORACTL_STATE names the usual (database) state, not this file.
  const path = resolveStateLocation({ state: options.state, manifests: options.file }, {});
  if (isPostgresLocation(path)) throw stateLocationInvalid('--state here names the state file to copy from or to, not a postgres:// URL');
  return path;
}

function postgresUrl(value: string | undefined, option: string): string {
  if (value === undefined || !isPostgresLocation(value)) {
    throw stateLocationInvalid(`${option} must be a postgres:// or postgresql:// URL${value === undefined ? '' : `, not ${JSON.stringify(redactPostgresUrl(value))}`}`);
  }
  return value;
}

async function readFileState(path: string): Promise<StateSnapshot> {
  const store: StateStore = await openFileStateStore(path);
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

async function withPostgres(url: string, body: (store: PostgresStateStore) => Promise<void>): Promise<void> {
  const store = await openPostgresStateStore(url);
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

function describe(snapshot: StateSnapshot): string {
  const count = Object.keys(snapshot.resources).length;
  return `${count} resource${count === 1 ? '' : 's'} (lineage ${snapshot.lineage}, serial ${snapshot.serial})`;
}
