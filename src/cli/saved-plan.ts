// The CLI's side of saved plans: `plan --out FILE` writes one, `apply FILE` reads it and checks,
// before any call, that it may still be applied (engine/plan-file-checks.ts).
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { PassToApply, PlannedPass } from '../engine/reconcile.ts';
import { PlanFileError, readPlanFile, writePlanFile, type PlanFile } from '../engine/plan-file.ts';
import { manifestsRefusal, planAgeRefusal, scopeRefusal, stateRefusal } from '../engine/plan-file-checks.ts';
import type { StateSnapshot } from '../state/types.ts';
import type { Io, Session } from './session.ts';
import type { ApplyCommandOptions } from './apply.ts';
import { DEFAULT_MAX_PLAN_AGE_SECONDS } from './options.ts';
import { describeFailure } from './failure.ts';
import { systemClock } from '../clock.ts';

/** Writes the plan for `apply <path>` and returns what to tell the user; a plan with errors is not saved. */
export async function savePlan(path: string, manifests: readonly string[], pass: PlannedPass): Promise<string> {
  const { plan } = pass;
  if (plan.errors.length > 0 || plan.basis === undefined) {
    // An earlier plan at this path must not be mistaken for this one.
    await rm(path, { force: true });
    return `No plan was saved to ${path}: the plan has errors.`;
  }
  const file: PlanFile = { format: 'agoractl-plan', version: 1, manifests: [...manifests], plan: { ...plan, basis: plan.basis }, refreshed: pass.refreshed };
  await writePlanFile(path, file);
  return `Saved the plan to ${path}. To carry out exactly this plan, run: agoractl apply ${path}`;
}

/** The refusal of a saved plan once apply holds the state lock and has read the state, or the pass to apply. */
export function savedPlanPass(file: PlanFile, session: Session, snapshot: StateSnapshot, maxAgeMs: number): PlanFileError | PassToApply {
  const { scope } = session;
  const refusal =
    planAgeRefusal(file, scope.clock.now(), maxAgeMs) ??
    manifestsRefusal(file, session.manifestDigest) ??
    stateRefusal(file, snapshot, session.store.location) ??
    scopeRefusal(file, {
      projects: new Set(scope.projects.keys()),
      kinds: new Map(scope.modules.map((m) => [m.kind, m])),
      desired: new Set(scope.desired.map((d) => d.key)),
      state: snapshot.resources,
    });
  if (refusal) return refusal;
  // The state is the one the plan read (same lineage and serial): the records its observation
  // refreshed lie on top of it, as they did when the plan was made.
  const records = new Map(Object.entries(snapshot.resources));
  for (const record of file.refreshed) records.set(record.key, record);
  return { plan: file.plan, state: [...records.values()], refreshed: file.refreshed };
}

/** A refusal as the user reads it: what failed, then what to do. */
export function describeRefusal(error: PlanFileError): string {
  return `Error: ${error.message}. Nothing was applied.\n  ${error.detail}`;
}

/**
 * The first of `paths` that is a saved plan: `-f` takes every argument after it, so
 * `apply -f manifests/ plan.agoractl` reads the plan as a manifest unless this catches it.
 */
export async function savedPlanAmong(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    let head = '';
    try {
      // Without blocking: a named pipe given as -f must not hold the command up here.
      const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        if (!(await file.stat()).isFile()) continue;
        const buffer = Buffer.alloc(128);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
        head = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await file.close();
      }
    } catch {
      continue; // a folder, a glob or a missing file: the manifest loader reports those
    }
    if (/^\{\s*"format":\s*"agoractl-plan"/.test(head)) return path;
  }
  return undefined;
}

/** Seconds of `--max-plan-age`, or the default, in milliseconds. */
export function maxPlanAgeMs(options: { maxPlanAge?: number }): number {
  return (options.maxPlanAge ?? DEFAULT_MAX_PLAN_AGE_SECONDS) * 1000;
}

/**
 * The saved plan `apply PLAN-FILE` names, read and checked for age before anything is loaded;
 * without one, checks that manifests are given and that none of them is a saved plan. A number:
 * the exit code of a refusal already reported.
 */
export async function readSavedPlan(options: ApplyCommandOptions, io: Io): Promise<{ saved?: PlanFile } | number> {
  if (options.planFile !== undefined) {
    // What the plan was made with is in the plan: options that would change it cannot be given.
    const planning = [options.target ? '--target' : '', options.allowMassDelete ? '--allow-mass-delete' : ''].filter(Boolean);
    if (planning.length > 0) {
      io.err(`Error: ${planning.join(' and ')} cannot be given with a saved plan: give ${planning.length > 1 ? 'them' : 'it'} to \`agoractl plan --out\` instead.`);
      return 1;
    }
    try {
      const saved = await readPlanFile(options.planFile);
      // Checked again once the state lock is held; here, so a stale file loads nothing.
      const tooOld = planAgeRefusal(saved, systemClock.now(), maxPlanAgeMs(options));
      if (tooOld) throw tooOld;
      return { saved };
    } catch (err) {
      io.err(err instanceof PlanFileError ? describeRefusal(err) : describeFailure(err));
      return 1;
    }
  }
  if (!options.file || options.file.length === 0) {
    io.err("Error: required option '-f, --file <path...>' not specified (or name a plan file saved by `agoractl plan --out`).");
    return 1;
  }
  const misplaced = await savedPlanAmong(options.file);
  if (misplaced) {
    io.err(`Error: ${misplaced} is a saved plan, not a manifest: -f takes every argument after it. Name the plan first: agoractl apply ${misplaced} -f <manifests>`);
    return 1;
  }
  return {};
}
