// `agoractl apply`: shows the plan, asks (unless --auto-approve), then makes Agora match the
// manifests under the state lock. SIGINT/SIGTERM stop new work; calls in flight finish and
// are recorded, so the next run converges.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { applyPass, planPass } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import { assumeDeadHolderWindows, ManifestErrors, openSession, planningOptions, processIo, reportManifestErrors, sessionOptions, type Io, type PlanningCommandOptions } from './session.ts';
import { progressReporter } from './progress.ts';
import { describeFailure } from './failure.ts';
import { DEFAULT_MAX_PLAN_AGE_SECONDS, lockTimeoutOption, maxPlanAgeOption, outputOption, PLAN_OUTPUTS } from './options.ts';
import { unmatchedTargetsError } from './targets.ts';
import { readPlanFile, PlanFileError, type PlanFile } from '../engine/plan-file.ts';
import { planAgeRefusal } from '../engine/plan-file-checks.ts';
import type { PassToApply } from '../engine/reconcile.ts';
import { describeRefusal, savedPlanAmong, savedPlanPass } from './saved-plan.ts';
import { systemClock } from '../clock.ts';

export interface ApplyCommandOptions extends Omit<PlanningCommandOptions, 'file'> {
  /** The manifests; with a saved plan, those the plan names unless given. */
  file?: string[];
  autoApprove?: boolean;
  /** Seconds. */
  lockTimeout?: number;
  /** A plan saved by `plan --out`: applied exactly, without planning again. */
  planFile?: string;
  /** Seconds: an older saved plan is refused. */
  maxPlanAge?: number;
}

export function register(program: Command): void {
  planningOptions(sessionOptions(program.command('apply').description('make Agora match the manifests, or carry out a plan saved by plan --out'), { fileOptional: true }))
    .argument('[plan-file]', 'a plan saved by `plan --out`: applied exactly as saved, without a prompt, or refused if it is stale')
    .addOption(outputOption(PLAN_OUTPUTS, 'text, or json for machines (needs --auto-approve, or a saved plan)', 'text'))
    .option('--auto-approve', 'do not ask for confirmation (pipelines)')
    .addOption(lockTimeoutOption())
    .addOption(maxPlanAgeOption())
    .action(async (planFile: string | undefined, options: ApplyCommandOptions) => {
      process.exitCode = await runApply({ ...options, planFile }, processIo);
    });
}

export async function runApply(options: ApplyCommandOptions, io: Io, signal?: AbortSignal): Promise<number> {
  let saved: PlanFile | undefined;
  if (options.planFile !== undefined) {
    // What the plan was made with is in the plan: options that would change it cannot be given.
    const planning = [options.target ? '--target' : '', options.allowMassDelete ? '--allow-mass-delete' : ''].filter(Boolean);
    if (planning.length > 0) {
      io.err(`Error: ${planning.join(' and ')} cannot be given with a saved plan: give ${planning.length > 1 ? 'them' : 'it'} to \`agoractl plan --out\` instead.`);
      return 1;
    }
    try {
      saved = await readPlanFile(options.planFile);
      // Checked again once the state lock is held; here, so a stale file loads nothing.
      const tooOld = planAgeRefusal(saved, systemClock.now(), maxPlanAgeMs(options));
      if (tooOld) throw tooOld;
    } catch (err) {
      io.err(err instanceof PlanFileError ? describeRefusal(err) : describeFailure(err));
      return 1;
    }
  } else if (!options.file || options.file.length === 0) {
    io.err("Error: required option '-f, --file <path...>' not specified (or name a plan file saved by `agoractl plan --out`).");
    return 1;
  } else {
    const misplaced = await savedPlanAmong(options.file);
    if (misplaced) {
      io.err(`Error: ${misplaced} is a saved plan, not a manifest: -f takes every argument after it. Name the plan first: agoractl apply ${misplaced} -f <manifests>`);
      return 1;
    }
  }
  // JSON output leaves no room for a question and its answer, and a pipeline that asked for JSON
  // must say it approves (Terraform's -json needs -auto-approve too). A saved plan asks nothing.
  if (options.output === 'json' && !options.autoApprove && !saved) {
    io.err('Error: apply -o json needs --auto-approve: it cannot ask for confirmation.');
    return 1;
  }
  const file = options.file && options.file.length > 0 ? options.file : (saved?.manifests ?? []);
  let session;
  try {
    session = await openSession({ ...options, file }, io);
  } catch (err) {
    if (err instanceof ManifestErrors) return reportManifestErrors(err, io, options.output);
    io.err(describeFailure(err));
    return 1;
  }
  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) return;
    io.err('agoractl: interrupted; finishing the calls in flight and recording them');
    interrupt.abort();
    // Calls still waiting for the rate limiter were never sent: fail them now (their intent
    // stays in state and the next run resolves it); calls already sent finish.
    for (const p of session.scope.projects.values()) void p.client.close();
  };
  signal?.addEventListener('abort', onSignal, { once: true });
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const lock = await session.store.lock({ waitMs: (options.lockTimeout ?? 0) * 1000, owner: 'agoractl apply', projects: [...session.scope.projects.keys()] });
    if (lock.takenOver) {
      io.err(`agoractl: took over a stale state lock of pid ${lock.takenOver.pid} (${lock.takenOver.owner})`);
      assumeDeadHolderWindows(session.scope.projects, session.scope.clock.now());
    }
    const snapshot = await session.store.load();
    const json = options.output === 'json';
    let pass: PassToApply;
    if (saved) {
      const checked = savedPlanPass(saved, session, snapshot, maxPlanAgeMs(options));
      if (checked instanceof PlanFileError) {
        io.err(describeRefusal(checked));
        return 1;
      }
      pass = checked;
      if (!json) io.out(renderPlan(pass.plan));
    } else {
      const noTarget = unmatchedTargetsError(options.target, session.scope.desired.map((d) => d.key), Object.keys(snapshot.resources));
      if (noTarget) {
        io.err(noTarget);
        return 1;
      }
      pass = await planPass(session.scope, Object.values(snapshot.resources), { targets: options.target, allowMassDelete: options.allowMassDelete });
      if (!json) io.out(renderPlan(pass.plan));
      if (pass.plan.errors.length > 0) {
        if (json) io.out(JSON.stringify({ plan: pass.plan, applied: false }, null, 2));
        return 1;
      }
    }
    if (pass.plan.actions.length === 0) {
      // Nothing to do, but what was observed (a player's status) is still worth recording.
      await Promise.all(pass.refreshed.map((s) => session.store.put(s)));
      if (json) io.out(JSON.stringify({ plan: pass.plan, applied: true, result: { done: [], failed: [], skipped: [] } }, null, 2));
      return 0;
    }
    if (!saved && !options.autoApprove && !(await confirm(io))) {
      io.err('Apply cancelled.');
      return 1;
    }
    const progress = progressReporter(io, pass.plan.actions.length);
    const result = await applyPass(session.scope, session.store, pass, { onEvent: json ? undefined : progress.onEvent, signal: interrupt.signal });
    progress.finish();
    if (json) {
      io.out(JSON.stringify({ plan: pass.plan, applied: true, result }, null, 2));
    } else {
      const count = (t: string) => result.done.filter((a) => a.type === t).length;
      io.out(
        `\nApply ${result.failed.length + result.skipped.length > 0 ? 'finished with errors' : 'complete'}! ` +
          `Resources: ${count('create')} created, ${count('update')} updated, ${count('replace')} replaced, ${count('delete')} deleted, ` +
          `${count('adopt')} adopted, ${result.failed.length} failed, ${result.skipped.length} skipped (${(result.durationMs / 1000).toFixed(1)}s).`,
      );
    }
    return result.failed.length > 0 || result.skipped.length > 0 ? 1 : 0;
  } catch (err) {
    io.err(describeFailure(err));
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await session.close();
  }
}

function maxPlanAgeMs(options: ApplyCommandOptions): number {
  return (options.maxPlanAge ?? DEFAULT_MAX_PLAN_AGE_SECONDS) * 1000;
}

async function confirm(io: Io): Promise<boolean> {
  if (!io.isTty || !process.stdin.isTTY) {
    io.err('Error: apply asks for confirmation on a terminal; pass --auto-approve in pipelines.');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ");
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}


