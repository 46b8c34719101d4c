// agoractl as a user runs it: the compiled CLI as a process of its own,
// `node bin/agoractl.js apply -f <folder> --auto-approve`, pointed at the benchmark's emulator
// with AGORACTL_ENDPOINTS. An apply is timed from the spawn to the process's exit, so start-up
// (loading the code, compiling nothing: the validators are compiled ahead of time), reading
// the manifests and state, observing, applying, the last state write and the exit all count,
// as they do for a pipeline that waits on it. Each family of scenarios has its own folder of
// manifests, state file and App ID. `npm run build` must have run (bin/agoractl.js runs dist/).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Limits } from '../src/agora/limits.ts';
import type { BenchEmulator } from './bench-emulator.ts';
import { SECRET_ENV, writeManifests } from './bench-manifests.ts';
import type { PlayerDoc, RecordingDoc } from './bench-manifests.ts';

const BIN = fileURLToPath(new URL('../bin/agoractl.js', import.meta.url));

export interface ApplyRun {
  /** From the spawn to the process's exit. */
  ms: number;
  /** Wall-clock (Date.now) of the spawn and the exit: to place the emulator's log entries on the process's timeline. */
  spawnedAt: number;
  exitedAt: number;
  /** The apply's own summary line ("Apply complete! Resources: ..."). */
  summary: string;
}

interface ProcessRun {
  code: number | null;
  ms: number;
  spawnedAt: number;
  exitedAt: number;
  output: string;
}

export class AgoractlFamily {
  readonly #folder: string;
  readonly #statePath: string;
  readonly #env: Record<string, string | undefined>;

  constructor(
    private readonly emulator: BenchEmulator,
    readonly appId: string,
    directory: string,
  ) {
    this.#folder = join(directory, 'manifests');
    this.#statePath = join(directory, 'state.json');
    this.#env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      AGORACTL_ENDPOINTS: emulator.url,
      [SECRET_ENV.customerSecret]: emulator.credentials.customerSecret,
      [SECRET_ENV.storageAccessKey]: 'bench-access-key',
      [SECRET_ENV.storageSecretKey]: 'bench-secret-key',
    };
  }

  /** Writes the manifests the next apply makes true. */
  async declare(limits: Limits, players: readonly PlayerDoc[], recordings: readonly RecordingDoc[] = []): Promise<void> {
    await writeManifests(this.#folder, { appId: this.appId, customerId: this.emulator.credentials.customerId, limits }, players, recordings);
  }

  /** `agoractl apply --auto-approve`, timed from the spawn to the exit; throws unless it exited 0. */
  async apply(options: { allowMassDelete?: boolean } = {}): Promise<ApplyRun> {
    const args = ['apply', '-f', this.#folder, '--state', this.#statePath, '--auto-approve'];
    if (options.allowMassDelete) args.push('--allow-mass-delete');
    const run = await this.#run(args);
    if (run.code !== 0) throw new Error(`agoractl apply exited ${run.code}:\n${failures(run.output)}`);
    const summary = run.output.split('\n').find((line) => line.includes('Apply complete!') || line.includes('Apply finished')) ?? '';
    return { ms: run.ms, spawnedAt: run.spawnedAt, exitedAt: run.exitedAt, summary: summary.trim() };
  }

  /** True when `agoractl plan --detailed-exitcode` finds nothing to change. */
  async converged(): Promise<boolean> {
    const run = await this.#run(['plan', '-f', this.#folder, '--state', this.#statePath, '--detailed-exitcode']);
    if (run.code === 1) throw new Error(`agoractl plan failed:\n${failures(run.output)}`);
    return run.code === 0;
  }

  #run(args: string[]): Promise<ProcessRun> {
    return new Promise((resolve, reject) => {
      const spawnedAt = Date.now();
      const started = performance.now();
      const child = spawn(process.execPath, [BIN, ...args], { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: string): void => {
        output += chunk;
      };
      child.stdout.setEncoding('utf8').on('data', keep);
      child.stderr.setEncoding('utf8').on('data', keep);
      let exit: { code: number | null; ms: number; exitedAt: number } | undefined;
      // 'exit' is the process's end; 'close' also waits for the pipes to drain, which is ours.
      child.once('exit', (code) => {
        exit = { code, ms: performance.now() - started, exitedAt: Date.now() };
      });
      child.once('error', reject);
      child.once('close', (code) => {
        const ended = exit ?? { code, ms: performance.now() - started, exitedAt: Date.now() };
        resolve({ ...ended, spawnedAt, output });
      });
    });
  }
}

function failures(output: string): string {
  const lines = output.split('\n');
  const failed = lines.filter((line) => /failed|error/i.test(line));
  return (failed.length > 0 ? failed : lines).slice(0, 20).join('\n');
}
