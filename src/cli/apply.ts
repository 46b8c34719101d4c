// `agoractl apply`: shows the plan, asks (unless --auto-approve), then makes Agora match the
// manifests under the state lock. SIGINT/SIGTERM stop new work; calls in flight finish and
// are recorded, so the next run converges.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { applyPass, planPass, type PlanOptions } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import { renderApplyMarkdown } from '../engine/render-markdown.ts';
import { assumeDeadHolderWindows, ManifestErrors, openSession, planningOptions, processIo, reportManifestErrors, sessionOptions, type Io, type PlanningCommandOptions } from './session.ts';
import { progressReporter } from './progress.ts';
import { describeFailure } from './failure.ts';
import { lockTimeoutOption, manifestErrorFormat, maxPlanAgeOption, outputOption, PLAN_OUTPUTS } from './options.ts';
import { unmatchedTargetsError } from './targets.ts';

import type { PassToApply } from '../engine/reconcile.ts';
import { describeRefusal, maxPlanAgeMs, readSavedPlan, savedPlanPass } from './saved-plan.ts';
import { PlanFileError } from '../engine/plan-file.ts';

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

/** What sets a command on apply's path apart (destroy's): what it plans, and its words. */
export interface ChangeCommand {
  name: 'apply' | 'destroy';
  plan: PlanOptions;
  /** Asked on a terminal before acting; only 'yes' goes on. */
  question: string;
}

export function register(program: Command): void {
  planningOptions(sessionOptions(program.command('apply').description('make Agora match the manifests, or carry out a plan saved by plan --out'), { fileOptional: true }))
    .argument('[plan-file]', 'a plan saved by `plan --out`: applied exactly as saved, without a prompt, or refused if it is stale')
    .addOption(outputOption(PLAN_OUTPUTS, 'text, json for machines, or markdown for a pull-request comment (json and markdown need --auto-approve, or a saved plan)', 'text'))
    .option('--auto-approve', 'do not ask for confirmation (pipelines)')
    .addOption(lockTimeoutOption())
    .addOption(maxPlanAgeOption())
    .action(async (planFile: string | undefined, options: ApplyCommandOptions) => {
      process.exitCode = await runApply({ ...options, planFile }, processIo);
    });
}

export async function runApply(options: ApplyCommandOptions, io: Io, signal?: AbortSignal, command: ChangeCommand = applyCommand(options)): Promise<number> {
  const title = command.name === 'apply' ? 'Apply' : 'Destroy';
  const read = await readSavedPlan(options, io);
  if (typeof read === 'number') return read;
  const saved = read.saved;
  // JSON or Markdown output leaves no room for a question and its answer, and a pipeline that
  // asked for either must say it approves (Terraform's -json needs -auto-approve too). A saved
  // plan asks nothing.
  if (options.output !== 'text' && !options.autoApprove && !saved) {
    io.err(`Error: ${command.name} -o ${options.output} needs --auto-approve: it cannot ask for confirmation.`);
    return 1;
  }
  const file = options.file && options.file.length > 0 ? options.file : (saved?.manifests ?? []);
  let session;
  try {
    session = await openSession({ ...options, file }, io);
  } catch (err) {
    if (err instanceof ManifestErrors) return reportManifestErrors(err, io, manifestErrorFormat(options.output));
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
  if (signal?.aborted) onSignal();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let locked = false;
  try {
    // A SIGTERM while another apply holds the lock ends the wait (--lock-timeout may be a day).
    const lock = await session.store.lock({
      waitMs: (options.lockTimeout ?? 0) * 1000,
      owner: `agoractl ${command.name}`,
      projects: [...session.scope.projects.keys()],
      signal: interrupt.signal,
    });
    locked = true;
    if (lock.takenOver) {
      io.err(`agoractl: took over a stale state lock of pid ${lock.takenOver.pid} (${lock.takenOver.owner})`);
      assumeDeadHolderWindows(session.scope.projects, session.scope.clock.now());
    }
    const snapshot = await session.store.load();
    const json = options.output === 'json';
    const markdown = options.output === 'markdown';
    let pass: PassToApply;
    if (saved) {
      const checked = savedPlanPass(saved, session, snapshot, maxPlanAgeMs(options));
      if (checked instanceof PlanFileError) {
        io.err(describeRefusal(checked));
        return 1;
      }
      pass = checked;
    } else {
      const noTarget = unmatchedTargetsError(options.target, session.scope.desired.map((d) => d.key), Object.keys(snapshot.resources));
      if (noTarget) {
        io.err(noTarget);
        return 1;
      }
      pass = await planPass(session.scope, Object.values(snapshot.resources), command.plan);
    }
    if (options.output === 'text') io.out(renderPlan(pass.plan));
    if (pass.plan.errors.length > 0) {
      if (json) io.out(JSON.stringify({ plan: pass.plan, applied: false }, null, 2));
      if (markdown) io.out(renderApplyMarkdown(pass.plan, undefined));
      return 1;
    }
    if (pass.plan.actions.length === 0) {
      // Nothing to do, but what was observed (a player's status) is still worth recording.
      await Promise.all(pass.refreshed.map((s) => session.store.put(s)));
      if (json) io.out(JSON.stringify({ plan: pass.plan, applied: true, result: { done: [], failed: [], skipped: [] } }, null, 2));
      if (markdown) io.out(renderApplyMarkdown(pass.plan, { done: [], failed: [], skipped: [], durationMs: 0 }));
      return 0;
    }
    if (!saved && !options.autoApprove && !(await confirm(io, command))) {
      io.err(`${title} cancelled.`);
      return 1;
    }
    const progress = progressReporter(io, pass.plan.actions.length);
    const result = await applyPass(session.scope, session.store, pass, { onEvent: options.output === 'text' ? progress.onEvent : undefined, signal: interrupt.signal });
    progress.finish();
    if (json) {
      io.out(JSON.stringify({ plan: pass.plan, applied: true, result }, null, 2));
    } else if (markdown) {
      io.out(renderApplyMarkdown(pass.plan, result));
    } else {
      const count = (t: string) => result.done.filter((a) => a.type === t).length;
      io.out(
        `\n${title} ${result.failed.length + result.skipped.length > 0 ? 'finished with errors' : 'complete'}! ` +
          `Resources: ${count('create')} created, ${count('update')} updated, ${count('replace')} replaced, ${count('delete')} deleted, ` +
          `${count('adopt')} adopted, ${result.failed.length} failed, ${result.skipped.length} skipped (${(result.durationMs / 1000).toFixed(1)}s).`,
      );
    }
    return result.failed.length > 0 || result.skipped.length > 0 ? 1 : 0;
  } catch (err) {
    io.err(interrupt.signal.aborted && !locked ? `${title} interrupted while waiting for the state lock: nothing was applied.` : describeFailure(err));
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await session.close();
  }
}

function applyCommand(options: ApplyCommandOptions): ChangeCommand {
  return { name: 'apply', plan: { targets: options.target, allowMassDelete: options.allowMassDelete }, question: 'Do you want to perform these actions?' };
}

async function confirm(io: Io, command: ChangeCommand): Promise<boolean> {
  if (!io.isTty || !process.stdin.isTTY) {
    io.err(`Error: ${command.name} asks for confirmation on a terminal; pass --auto-approve in pipelines.`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\n${command.question} Only 'yes' will be accepted.\n  Enter a value: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}


