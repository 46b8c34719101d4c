// `agoractl plan`: what apply would change, and why. Reads Agora and state; changes nothing.
import type { Command } from 'commander';
import { planPass } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import { renderPlanMarkdown } from '../engine/render-markdown.ts';
import { ManifestErrors, openSession, planningOptions, processIo, reportManifestErrors, sessionOptions, type Io, type PlanningCommandOptions } from './session.ts';
import { describeFailure } from './failure.ts';
import { manifestErrorFormat, outputOption, PLAN_OUTPUTS } from './options.ts';
import { unmatchedTargetsError } from './targets.ts';
import { savePlan } from './saved-plan.ts';

export interface PlanCommandOptions extends PlanningCommandOptions {
  detailedExitcode?: boolean;
  /** Saves the plan here for `apply <file>`. */
  out?: string;
}

export function register(program: Command): void {
  planningOptions(sessionOptions(program.command('plan').description('show what apply would change, and why')))
    .addOption(outputOption(PLAN_OUTPUTS, 'text, json for machines, or markdown for a pull-request comment', 'text'))
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--out <file>', 'also save the plan to this file (no secrets in it): `agoractl apply <file>` carries out exactly that plan')
    .action(async (options: PlanCommandOptions) => {
      process.exitCode = await runPlan(options, processIo);
    });
}

export async function runPlan(options: PlanCommandOptions, io: Io): Promise<number> {
  let session;
  try {
    session = await openSession(options, io);
  } catch (err) {
    if (err instanceof ManifestErrors) return reportManifestErrors(err, io, manifestErrorFormat(options.output));
    io.err(describeFailure(err));
    return 1;
  }
  try {
    const snapshot = await session.store.load();
    const noTarget = unmatchedTargetsError(options.target, session.scope.desired.map((d) => d.key), Object.keys(snapshot.resources));
    if (noTarget) {
      io.err(noTarget);
      return 1;
    }
    const basis = { manifestDigest: session.manifestDigest, stateLineage: snapshot.lineage, stateSerial: snapshot.serial };
    const pass = await planPass(session.scope, Object.values(snapshot.resources), { targets: options.target, allowMassDelete: options.allowMassDelete, basis });
    const { output } = options;
    io.out(output === 'json' ? JSON.stringify(pass.plan, null, 2) : output === 'markdown' ? renderPlanMarkdown(pass.plan) : renderPlan(pass.plan));
    if (options.out !== undefined) {
      const notice = await savePlan(options.out, options.file, pass);
      (output === 'text' ? io.out : io.err)(notice);
    }
    // A conflict is never carried out: until someone resolves it, apply cannot converge.
    if (pass.plan.errors.length > 0 || pass.plan.actions.some((a) => a.blocked)) return 1;
    if (options.detailedExitcode) return pass.plan.actions.length > 0 ? 2 : 0;
    return 0;
  } catch (err) {
    io.err(describeFailure(err));
    return 1;
  } finally {
    await session.close();
  }
}
