// agoractl as a user runs it, in this process: `apply -f <folder> --auto-approve` and
// `plan --detailed-exitcode` through the CLI's own functions (runApply, runPlan), pointed at the
// benchmark's emulator with AGORACTL_ENDPOINTS. Each family of scenarios has its own folder of
// manifests, state file and App ID.
import { join } from 'node:path';
import type { Limits } from '../src/agora/limits.ts';
import { runApply } from '../src/cli/apply.ts';
import { runPlan } from '../src/cli/plan.ts';
import { loadManifests } from '../src/manifest/index.ts';
import type { Io } from '../src/cli/session.ts';
import type { BenchEmulator } from './bench-emulator.ts';
import { SECRET_ENV, writeManifests } from './bench-manifests.ts';
import type { PlayerDoc, RecordingDoc } from './bench-manifests.ts';

export interface ApplyRun {
  ms: number;
  /** The apply's own summary line ("Apply complete! Resources: ..."). */
  summary: string;
}

export class AgoractlFamily {
  readonly #folder: string;
  readonly #statePath: string;
  readonly #io: Io;
  #lines: string[] = [];

  constructor(
    private readonly emulator: BenchEmulator,
    readonly appId: string,
    directory: string,
  ) {
    this.#folder = join(directory, 'manifests');
    this.#statePath = join(directory, 'state.json');
    const keep = (text: string): void => {
      this.#lines.push(text);
    };
    this.#io = {
      out: keep,
      err: keep,
      env: {
        AGORACTL_ENDPOINTS: emulator.url,
        [SECRET_ENV.customerSecret]: emulator.credentials.customerSecret,
        [SECRET_ENV.storageAccessKey]: 'bench-access-key',
        [SECRET_ENV.storageSecretKey]: 'bench-secret-key',
      },
      isTty: false,
    };
  }

  /** Writes the manifests the next apply makes true. */
  async declare(limits: Limits, players: readonly PlayerDoc[], recordings: readonly RecordingDoc[] = []): Promise<void> {
    await writeManifests(this.#folder, { appId: this.appId, customerId: this.emulator.credentials.customerId, limits }, players, recordings);
  }

  /**
   * Loads the manifests once, unmeasured: the process compiles the JSON Schemas on first use,
   * a one-time cost of a fresh process (a daemon pays it once), not of converging.
   */
  async warmUp(): Promise<void> {
    await loadManifests([this.#folder]);
  }

  /** `agoractl apply --auto-approve`, timed from the call to its exit code; throws unless it succeeded. */
  async apply(options: { allowMassDelete?: boolean } = {}): Promise<ApplyRun> {
    this.#lines = [];
    const started = performance.now();
    const code = await runApply(
      { file: [this.#folder], state: this.#statePath, output: 'text', autoApprove: true, allowMassDelete: options.allowMassDelete },
      this.#io,
    );
    const ms = performance.now() - started;
    const summary = this.#lines.find((line) => line.includes('Apply complete!') || line.includes('Apply finished')) ?? '';
    if (code !== 0) throw new Error(`agoractl apply exited ${code}:\n${this.#failures()}`);
    return { ms, summary: summary.trim() };
  }

  /** True when `agoractl plan --detailed-exitcode` finds nothing to change. */
  async converged(): Promise<boolean> {
    this.#lines = [];
    const code = await runPlan({ file: [this.#folder], state: this.#statePath, output: 'text', detailedExitcode: true }, this.#io);
    if (code === 1) throw new Error(`agoractl plan failed:\n${this.#failures()}`);
    return code === 0;
  }

  #failures(): string {
    const failed = this.#lines.filter((line) => /failed|error/i.test(line));
    return (failed.length > 0 ? failed : this.#lines).slice(0, 20).join('\n');
  }
}
