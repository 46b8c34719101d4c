// Shared by the state tests: temporary state folders, an injected clock, and child processes
// that run a fixture script through tsx (a real second agoractl process, or one to kill).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Clock } from '../../src/clock.ts';
import { sampleResource } from '../../src/state/conformance.ts';

export async function tempFolder(): Promise<{ folder: string; cleanup(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'agoractl-state-'));
  return { folder, cleanup: () => rm(folder, { recursive: true, force: true }) };
}

/** A clock whose sleep returns at once after moving time ahead by the requested amount. */
export function steppingClock(start = 1_700_000_000_000): Clock & { elapsed(): number } {
  let now = start;
  return {
    now: () => now,
    sleep: (ms, signal) => {
      signal?.throwIfAborted();
      now += ms;
      return Promise.resolve();
    },
    elapsed: () => now - start,
  };
}

/** A CloudPlayer record of project prod (the conformance suite's sample). */
export const player = sampleResource;

export interface ScriptProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line (already printed lines are queued). */
  nextLine(): Promise<string>;
  send(line: string): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Runs test/state/fixtures/<script> with node and tsx, as agoractl itself runs. */
export function runFixture(script: string, args: string[]): ScriptProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  return {
    child,
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        waiters.push(resolve);
        void exited.then(({ code, signal }) => {
          reject(new Error(`${script} exited (${code ?? signal}) before printing a line; stderr: ${stderr}`));
        });
      });
    },
    send: (line) => {
      child.stdin.write(`${line}\n`);
    },
    exited,
  };
}
