// `agoractl state`: what agoractl owns, read from the state store, and `forget` to stop
// managing a resource without touching Agora (like `terraform state rm`).
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { stateResourceNotFound } from '../state/errors.ts';
import { openStateStore } from '../state/open-store.ts';
import type { StateStore } from '../state/store.ts';
import type { ResourceState } from '../state/types.ts';
import { fileOption, lockTimeoutOption, outputOption, stateOption } from './options.ts';
import { isFile, locateState, noStateMessage, StateLocationError, type StateLocation } from './state-location.ts';
import { registerTransfer } from './state-transfer.ts';
import { reportingStateErrors, writeErrOf, writerOf } from './state-command.ts';

interface LocationOptions {
  state?: string;
  file?: string;
}

export function register(program: Command): void {
  const state = program
    .command('state')
    .description('Inspect what agoractl manages, or stop managing a resource (the state store)');
  registerTransfer(state);

  withLocation(state.command('list'))
    .description('List the resources agoractl manages: key, Agora id, last known status, pending intent')
    .addOption(outputOption(['text', 'json'], 'output format', 'text'))
    .action(async (options: LocationOptions & { output: string }, command: Command) => {
      await withStore(command, options, { whenMissing: 'say so' }, async (store) => {
        const resources = sortedResources(Object.values((await store.load()).resources));
        const out = writerOf(command);
        if (options.output === 'json') out(`${JSON.stringify(resources, null, 2)}\n`);
        else if (resources.length === 0) out(`No resources in ${store.location}.\n`);
        else out(formatTable(resources));
      });
    });

  withLocation(state.command('show'))
    .description('Show everything recorded about one resource')
    .argument('<key>', 'the resource key, "<project>/<kind>/<name>" as `state list` prints it')
    .addOption(outputOption(['yaml', 'json'], 'output format', 'yaml'))
    .action(async (key: string, options: LocationOptions & { output: string }, command: Command) => {
      await withStore(command, options, { whenMissing: 'fail' }, async (store) => {
        const resource = (await store.load()).resources[key];
        if (!resource) throw stateResourceNotFound(store.location, [key]);
        writerOf(command)(options.output === 'json' ? `${JSON.stringify(resource, null, 2)}\n` : toYaml(resource));
      });
    });

  withLocation(state.command('forget'))
    .description('Stop managing resources without changing them in Agora (like `terraform state rm`)')
    .argument('<keys...>', 'resource keys, "<project>/<kind>/<name>" as `state list` prints them')
    .addOption(lockTimeoutOption('how long to wait for a running apply to release the state'))
    .action(async (keys: string[], options: LocationOptions & { lockTimeout: number }, command: Command) => {
      await withStore(command, options, { whenMissing: 'fail' }, async (store) => {
        const lock = await store.lock({ waitMs: options.lockTimeout * 1000, owner: 'agoractl state forget' });
        try {
          if (lock.takenOver) {
            const { pid, hostname, startedAt } = lock.takenOver;
            writeErrOf(command)(
              `note: took over a stale state lock left by pid ${pid} on ${hostname} since ${new Date(startedAt).toISOString()}\n`,
            );
          }
          const { resources } = await store.load();
          const missing = keys.filter((key) => !resources[key]);
          if (missing.length > 0) throw stateResourceNotFound(store.location, missing);
          await Promise.all(keys.map((key) => store.remove(key)));
          const out = writerOf(command);
          for (const key of keys) {
            const resource = resources[key];
            const id = resource?.externalId ? ` (Agora id ${resource.externalId})` : '';
            out(`Forgot ${key}${id}: agoractl no longer manages it; it was left unchanged in Agora.\n`);
            if (resource?.pending) {
              out(`  It had a ${resource.pending.action} in flight; its outcome will not be checked.\n`);
            }
          }
        } finally {
          await lock.release();
        }
      });
    });
}

/** `-f/--file` as every other command spells it, and `--state`. */
function withLocation(command: Command): Command {
  return command
    .addOption(stateOption())
    .addOption(fileOption('manifest file or folder, as given to apply -f (default: here, or the one folder here that has a state)', 'one'));
}

/**
 * Opens the store, runs `body` and closes it (releasing any lock) before a state error becomes
 * a clean exit 1: commander's error exits the process at once, so it must come last. A state
 * file that does not exist is never created: `list` says where it looked, the others fail.
 */
async function withStore(command: Command, options: LocationOptions, mode: { whenMissing: 'say so' | 'fail' }, body: (store: StateStore) => Promise<void>): Promise<void> {
  let location: StateLocation;
  try {
    location = await locateState(options);
  } catch (error) {
    if (!(error instanceof StateLocationError)) throw error;
    return command.error(`error: ${error.summary}\n  ${error.detail}`, { exitCode: 1, code: 'agoractl.StateAmbiguous' });
  }
  if (!location.database && !(await isFile(location.path))) {
    if (mode.whenMissing === 'say so') return writerOf(command)(noStateMessage(location));
    return command.error(`error: ${noStateMessage(location).trimEnd()}`, { exitCode: 1, code: 'agoractl.StateMissing' });
  }
  await reportingStateErrors(command, async () => {
    const store = await openStateStore(location.path);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  });
}

function sortedResources(resources: ResourceState[]): ResourceState[] {
  return [...resources].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function formatTable(resources: ResourceState[]): string {
  const rows = [
    ['KEY', 'EXTERNAL ID', 'STATUS', 'PENDING'],
    ...resources.map((resource) => [
      resource.key,
      resource.externalId ?? '-',
      statusOf(resource),
      resource.pending ? `${resource.pending.action} since ${new Date(resource.pending.startedAt).toISOString()}` : '-',
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '))
    .join('\n')
    .concat('\n');
}

/** The last status a kind recorded (`lastStatus`: a player's word, a recording's query status code). */
function statusOf(resource: ResourceState): string {
  const status = resource.data.lastStatus;
  return typeof status === 'string' || typeof status === 'number' ? String(status) : '-';
}
