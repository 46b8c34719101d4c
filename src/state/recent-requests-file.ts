// The file backend's record of recent requests: `<state>.requests.json` beside the state file,
// per project and endpoint class the completion times of the requests of the last minute. A
// one-shot process (apply, plan, reconcile) writes it as it ends and a new one seeds its rate
// limiters from it, so the next process does not start blind to the per-minute windows the
// previous one used (rate-windows.ts).
//
// Beside the state file, not inside it: writing the snapshot bumps its serial, so a `plan`
// (which holds no lock) recording its requests would make a concurrent `apply`'s next write
// fail with a conflict. This file is advisory: merged on write (two processes ending at once
// may each keep only part of the other's stamps), unreadable means empty, and it holds
// times only, never a secret.
import { readFile } from 'node:fs/promises';
import { WINDOW_SPANS_MS } from '../agora/rate-limiter.ts';
import { writeFileAtomic } from './atomic-write.ts';

/** Per project name, per endpoint class: completion times (ms since the epoch), oldest first. */
export type RecentRequestsRecord = Record<string, Record<string, number[]>>;

export function recentRequestsPathFor(statePath: string): string {
  return `${statePath}.requests.json`;
}

/** The record's stamps still inside a window at `now`; a missing or unreadable file is empty. */
export async function readRecentRequests(path: string, now: number): Promise<RecentRequestsRecord> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return {};
  }
  return fresh(isRecord(parsed) && isRecord(parsed.projects) ? parsed.projects : {}, now);
}

/** Merges `ours` into the file, dropping stamps no window holds any more. */
export async function writeRecentRequests(path: string, ours: RecentRequestsRecord, now: number): Promise<void> {
  const merged = await readRecentRequests(path, now);
  for (const [project, classes] of Object.entries(fresh(ours, now))) {
    const into = (merged[project] ??= {});
    for (const [key, stamps] of Object.entries(classes)) into[key] = [...new Set([...(into[key] ?? []), ...stamps])].sort((a, b) => a - b);
  }
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, projects: merged }, null, 2)}\n`);
}

function fresh(record: Record<string, unknown>, now: number): RecentRequestsRecord {
  const out: RecentRequestsRecord = {};
  for (const [project, classes] of Object.entries(record)) {
    if (!isRecord(classes)) continue;
    for (const [key, stamps] of Object.entries(classes)) {
      if (!Array.isArray(stamps)) continue;
      const kept = stamps.filter((at): at is number => typeof at === 'number' && Number.isFinite(at) && at > now - WINDOW_SPANS_MS.perMinute && at <= now);
      if (kept.length > 0) (out[project] ??= {})[key] = kept;
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
