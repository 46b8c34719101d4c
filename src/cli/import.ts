// `agoractl import KIND/NAME ID`: takes a resource that already runs in Agora under management,
// once its kind has checked that it matches the manifest (KindModule.importResource). Read-only
// towards Agora: the only thing it writes is one state record, under the state lock apply takes.
// Adoption by name (plan's `adopt`) needs no import; this is for what the name cannot find (a
// recording's session) or for taking a resource over deliberately, by its id.
import { Argument, Option, type Command } from 'commander';
import type { ResourceState, StateSnapshot } from '../state/types.ts';
import type { DesiredResource, FieldChange, ImportResult, KindData, KindModule } from '../resources/kind.ts';
import { builtInManifestKinds } from '../resources/builtin.ts';
import { assumeDeadHolderWindows, ManifestErrors, openSession, processIo, reportManifestErrors, sessionOptions, type Io, type Session, type SessionOptions } from './session.ts';
import { describeFailure } from './failure.ts';
import { lockTimeoutOption, targetParser } from './options.ts';

export interface ImportCommandOptions extends SessionOptions {
  /** Seconds. */
  lockTimeout?: number;
  resourceId?: string;
  dryRun?: boolean;
}

export function register(program: Command): void {
  sessionOptions(program.command('import').description('take a resource that exists in Agora under management, after checking it matches its manifest'))
    .addArgument(new Argument('<target>', 'the resource in the manifests: kind/name or project/kind/name').argParser(parseTarget))
    .argument('<id>', "Agora's id of the live resource: a player id, a recording's sid, an origin site's entry point")
    .addOption(new Option('--resource-id <id>', "CloudRecording: the resourceId of the session's acquire (query needs it with the sid)"))
    .option('--dry-run', 'show what would be recorded and write nothing')
    .addOption(lockTimeoutOption())
    .action(async (target: string, id: string, options: ImportCommandOptions) => {
      process.exitCode = await runImport(target, id, options, processIo);
    });
}

/** `--target`'s syntax and kinds, for one target. */
function parseTarget(value: string): string {
  return targetParser(() => [...builtInManifestKinds().keys()])(value, undefined).join('');
}

export async function runImport(target: string, externalId: string, options: ImportCommandOptions, io: Io): Promise<number> {
  let session: Session;
  try {
    session = await openSession(options, io);
  } catch (err) {
    if (err instanceof ManifestErrors) return reportManifestErrors(err, io, 'text');
    io.err(describeFailure(err));
    return 1;
  }
  try {
    return await importInto(session, target, externalId, options, io);
  } catch (err) {
    io.err(describeFailure(err));
    return 1;
  } finally {
    await session.close();
  }
}

/** Checks, observes and records under the state lock; a refusal writes nothing. */
async function importInto(session: Session, target: string, externalId: string, options: ImportCommandOptions, io: Io): Promise<number> {
  const found = declared(target, session.scope.desired);
  if (typeof found === 'string') {
    io.err(`Error: import target ${target}: ${found}`);
    return 1;
  }
  const module = session.scope.modules.find((m) => m.kind === found.kind);
  const runtime = session.scope.projects.get(found.project);
  if (!module?.importResource || !runtime) {
    io.err(`Error: import target ${target}: kind ${found.kind} cannot be imported`);
    return 1;
  }
  const lock = await session.store.lock({ waitMs: (options.lockTimeout ?? 0) * 1000, owner: 'agoractl import', projects: [found.project] });
  if (lock.takenOver) {
    io.err(`agoractl: took over a stale state lock of pid ${lock.takenOver.pid} (${lock.takenOver.owner})`);
    assumeDeadHolderWindows(session.scope.projects, session.scope.clock.now());
  }
  const taken = alreadyManaged(await session.store.load(), found, externalId);
  if (taken) {
    io.err(`Error: cannot import ${found.key}: ${taken}`);
    return 1;
  }
  const result = await module.importResource({ desired: found, externalId, resourceId: options.resourceId, client: runtime.client, limits: runtime.limits, clock: session.scope.clock });
  if (result.type === 'refused') {
    io.err([`Error: cannot import ${found.key}: ${result.reason}`, ...result.changes.map((c) => `    ${renderField(c)}  # forces replacement`)].join('\n'));
    return 1;
  }
  io.out(describeImport(found.key, result, options.dryRun === true));
  if (!options.dryRun) await session.store.put(stateRecord(module, found, result, session.scope.clock.now()));
  return 0;
}

/** The one desired resource `target` names, or why there is none. */
function declared(target: string, desired: readonly DesiredResource[]): DesiredResource | string {
  const parts = target.split('/');
  const [project, kind, name] = parts.length === 3 ? parts : [undefined, ...parts];
  const matches = desired.filter((d) => d.kind === kind && d.name === name && (project === undefined || d.project === project));
  const [first, second] = matches;
  if (!first) return 'no such resource in the manifests (-f); import takes only a resource the manifests declare';
  if (second) return `declared in projects ${matches.map((d) => d.project).join(', ')}; name one as project/${kind}/${name}`;
  return first;
}

/** Why state already stands in the way, or undefined: the key is recorded, or the id under another key. */
function alreadyManaged(snapshot: StateSnapshot, desired: DesiredResource, externalId: string): string | undefined {
  const own = snapshot.resources[desired.key];
  if (own) return `state already records it${own.externalId === undefined ? '' : ` (id ${own.externalId})`}; import takes only a resource agoractl does not manage`;
  const other = Object.values(snapshot.resources).find((r) => r.project === desired.project && r.kind === desired.kind && r.externalId === externalId);
  return other ? `id ${externalId} is already managed as ${other.key}` : undefined;
}

type Recorded = Extract<ImportResult<KindData>, { type: 'recorded' }>;

function stateRecord(module: KindModule, desired: DesiredResource, result: Recorded, now: number): ResourceState {
  return {
    key: desired.key,
    project: desired.project,
    kind: desired.kind,
    name: desired.name,
    externalId: result.externalId,
    ...(result.specHash === undefined ? {} : { specHash: result.specHash }),
    data: { ...result.data },
    // Version 1 is the layout of records that carry no version (engine/execute.ts writes them alike).
    ...(module.dataVersion > 1 ? { dataVersion: module.dataVersion } : {}),
    updatedAt: now,
  };
}

function describeImport(key: string, result: Recorded, dryRun: boolean): string {
  const lines = [`${key}: ${result.externalId} matches the manifest`];
  if (result.updates.length > 0) {
    lines.push('  the next plan updates in place:');
    for (const change of result.updates) lines.push(`    ${renderField(change, '(not observable)')}`);
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  lines.push(dryRun ? `Dry run: would record ${key} as ${result.externalId}; nothing was written.` : `Imported ${key} as ${result.externalId}.`);
  return lines.join('\n');
}

/** `absent` words an undefined value: what Agora does not have, or does not show. */
function renderField(change: FieldChange, absent = '(unset)'): string {
  const show = (v: unknown): string => (change.sensitive ? '(sensitive)' : v === undefined ? absent : JSON.stringify(v));
  return `${change.path}: ${show(change.before)} -> ${show(change.after)}`;
}
