// One integration scenario: an emulator in this process (frozen virtual clock), a folder of
// manifests and a state (a file on disk, or a schema of its own in PostgreSQL), and the real
// agoractl CLI run as a child process against the emulator over HTTP. Tests drive the world
// through the control API and assert on what it holds afterwards (GET /_emulator/state) and on
// the state, never on the calls made.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../emulator/helpers.ts';
import { closeSharedTestDatabase, sharedTestDatabase } from '../state/postgres-server.ts';
import { manifestDir, runCli, writeFiles, type CliResult, type RunOptions } from '../support/cli.ts';
import type { EmulatorOptions } from '../../src/emulator/server.ts';
import { openPostgresStateStore } from '../../src/state/postgres-store.ts';
import type { ResourceState, StateSnapshot } from '../../src/state/types.ts';

/**
 * Where a scenario keeps its state: a file, or PostgreSQL (AGORACTL_TEST_DATABASE_URL, the
 * local server by default, else embedded PGlite; see test/state/postgres-server.ts).
 */
export type StateBackend = 'file' | 'postgres';
/** Both backends, for a suite that must hold on each: `for (const backend of STATE_BACKENDS) describe(...)`. */
export const STATE_BACKENDS: readonly StateBackend[] = ['file', 'postgres'];

export interface ScenarioOptions extends EmulatorOptions {
  /** The state backend; a file unless said otherwise. */
  backend?: StateBackend;
}

// The database is started by the first PostgreSQL scenario of a test file and stopped after its last test.
after(closeSharedTestDatabase);

export const APP_ID = '0123456789abcdef0123456789abcdef';
const CUSTOMER_ID = 'test-customer';
const CUSTOMER_SECRET = 'test-secret';
export const APP_CERTIFICATE = 'fedcba9876543210fedcba9876543210';
export const PROJECT = 'prod';

/** What agoractl finds in its environment: credentials and the emulator as every project's endpoint. */
function cliEnv(url: string): Record<string, string> {
  return {
    AGORACTL_ENDPOINTS: url,
    AGORA_APP_ID: APP_ID,
    AGORA_CUSTOMER_ID: CUSTOMER_ID,
    AGORA_CUSTOMER_SECRET: CUSTOMER_SECRET,
    AGORA_APP_CERTIFICATE: APP_CERTIFICATE,
    S3_KEY: 'test-storage-key',
    S3_SECRET: 'test-storage-secret',
  };
}

/** The secret values of cliEnv: none may ever appear in the CLI's output or the state file. */
export const SECRET_VALUES = [CUSTOMER_SECRET, APP_CERTIFICATE, 'test-storage-secret', 'test-storage-key'];

// ---- manifests (JSON is YAML, so documents are written as JSON) ----

type Spec = Record<string, unknown>;

function doc(kind: string, name: string, spec: Spec, project = PROJECT): string {
  const metadata = kind === 'Project' ? { name } : { name, project };
  return JSON.stringify({ apiVersion: 'agoractl/v1', kind, metadata, spec }, null, 2);
}

/** A Project whose credentials come from the environment; `limits` as in Project.spec.limits. */
export function projectDoc(limits?: Spec, name = PROJECT): string {
  return doc('Project', name, {
    appId: { env: 'AGORA_APP_ID' },
    customerId: { env: 'AGORA_CUSTOMER_ID' },
    customerSecret: { env: 'AGORA_CUSTOMER_SECRET' },
    appCertificate: { env: 'AGORA_APP_CERTIFICATE' },
    ...(limits ? { limits } : {}),
  });
}

export function streamUrl(name: string): string {
  return `rtmp://origin.example.com/live/${name}`;
}

/** A CloudPlayer on channel class32 with a minted token; `spec` overrides any field. */
export function playerDoc(name: string, spec: Spec = {}): string {
  return doc('CloudPlayer', name, { region: 'na', channelName: 'class32', uid: uidOf(name), streamUrl: streamUrl(name), token: { generate: true }, idleTimeout: 60, ...spec });
}

/** A composite recording of channel class32 to S3; `spec` overrides top-level fields. */
export function recordingDoc(name: string, spec: Spec = {}): string {
  return doc('CloudRecording', name, {
    channelName: 'class32',
    uid: 900001,
    mode: 'mix',
    token: { generate: true },
    recordingConfig: { channelType: 1, streamTypes: 2, maxIdleTime: 30, transcodingConfig: { width: 640, height: 360, fps: 15, bitrate: 500, mixedVideoLayout: 1 } },
    recordingFileConfig: { avFileType: ['hls', 'mp4'] },
    storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: { env: 'S3_KEY' }, secretKey: { env: 'S3_SECRET' } },
    ...spec,
  });
}

export function originSiteDoc(name: string, spec: Spec): string {
  return doc('OriginSite', name, spec);
}

/** Several documents in one file. */
export function docs(...documents: string[]): string {
  return documents.join('\n---\n');
}

/** A stable uid per player name, so manifests need not spell one out. */
function uidOf(name: string): number {
  let h = 7;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 100_000;
  return 1000 + h;
}

// ---- the world as the emulator holds it ----

export interface StateRecording {
  appId: string;
  resourceId: string;
  sid: string;
  cname: string;
  uid: string;
  mode: string;
  status: number;
  phase: 'running' | 'stopping' | 'exited';
  exitReason: string | null;
  fileList: { fileName: string }[];
  recordingConfig?: Record<string, unknown>;
  layout?: Record<string, unknown>;
  storage?: Record<string, unknown>;
}

export interface StateOriginSite {
  appId: string;
  entryPoint: string;
  enabled: boolean;
  domain?: string;
  app?: string;
  callbackUrl?: string;
}

export interface World {
  players: (StatePlayer & { playTs: number; token?: string })[];
  recordings: StateRecording[];
  originSites: StateOriginSite[];
}

export interface RunOpts extends Omit<RunOptions, 'env'> {
  /**
   * Runs agoractl as if this many milliseconds of real time had passed since the scenario's
   * earlier runs (its clock is moved ahead): what agoractl decides from its own clock, such as
   * the ~10 s after a create during which List may not show a player, sees time pass.
   */
  laterMs?: number;
}

export class Scenario {
  private constructor(
    readonly emu: TestEmulator,
    readonly dir: string,
    /** A state file in the scenario's folder: the state itself with the file backend. */
    readonly statePath: string,
    readonly backend: StateBackend,
    /** What `--state` names: statePath, or a PostgreSQL URL with a schema of this scenario's own. */
    readonly stateLocation: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** An emulator with a frozen virtual clock, a folder holding `files`, and an empty state. */
  static async start(files: Record<string, string>, options: ScenarioOptions = {}): Promise<Scenario> {
    const { backend = 'file', ...emulatorOptions } = options;
    const emu = await startTestEmulator({ frozenClock: true, ...emulatorOptions });
    const cleanups: (() => Promise<void>)[] = [() => emu.close()];
    const cleanup = async (): Promise<void> => {
      for (const step of cleanups.reverse()) await step();
    };
    try {
      const folder = await manifestDir({});
      cleanups.push(folder.cleanup);
      const statePath = join(folder.dir, 'state', 'state.json');
      let stateLocation = statePath;
      if (backend === 'postgres') {
        const schema = (await sharedTestDatabase()).newSchema();
        cleanups.push(schema.drop);
        stateLocation = schema.url;
      }
      const scenario = new Scenario(emu, join(folder.dir, 'manifests'), statePath, backend, stateLocation, cleanup);
      await scenario.write(files);
      return scenario;
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  /** Runs `body` in a fresh scenario and closes it however `body` ends. */
  static async run(files: Record<string, string>, body: (s: Scenario) => Promise<void>, options: ScenarioOptions = {}): Promise<void> {
    const scenario = await Scenario.start(files, options);
    try {
      await body(scenario);
    } finally {
      await scenario.close();
    }
  }

  get env(): Record<string, string> {
    return cliEnv(this.emu.handle.url);
  }

  /** Writes manifest files; a null content removes that file. */
  async write(files: Record<string, string | null>): Promise<void> {
    for (const [name, text] of Object.entries(files)) {
      if (text === null) await rm(join(this.dir, name), { force: true });
      else await writeFiles(this.dir, { [name]: text });
    }
  }

  /** `agoractl <args> -f <manifests> --state <state>` as a user runs it, off a terminal. */
  agoractl(args: string[], options: RunOpts = {}): Promise<CliResult> {
    const env: Record<string, string> = { ...this.env };
    if (options.laterMs !== undefined) env.NODE_OPTIONS = `--import=${clockAhead(options.laterMs)}`;
    return runCli([...args, '-f', this.dir, '--state', this.stateLocation], { ...options, env });
  }

  apply(extra: string[] = [], options: RunOpts = {}): Promise<CliResult> {
    return this.agoractl(['apply', '--auto-approve', ...extra], options);
  }

  plan(extra: string[] = [], options: RunOpts = {}): Promise<CliResult> {
    return this.agoractl(['plan', ...extra], options);
  }

  /** `plan -o json`, parsed. */
  async planJson(extra: string[] = [], options: RunOpts = {}): Promise<{ result: CliResult; plan: PlanJson }> {
    const result = await this.plan(['-o', 'json', ...extra], options);
    try {
      return { result, plan: JSON.parse(result.stdout) as PlanJson };
    } catch {
      throw new Error(`plan -o json printed no plan (exit ${result.code})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
  }

  /** `apply --auto-approve -o json`, parsed: the plan it carried out and what became of each action. */
  async applyJson(extra: string[] = [], options: RunOpts = {}): Promise<{ result: CliResult; plan: PlanJson; outcome: ApplyOutcome }> {
    const result = await this.apply(['-o', 'json', ...extra], options);
    let output: { plan: PlanJson; applied: boolean; result?: ApplyOutcome };
    try {
      output = JSON.parse(result.stdout) as typeof output;
    } catch {
      throw new Error(`apply -o json printed no result (exit ${result.code})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
    return { result, plan: output.plan, outcome: output.result ?? { done: [], failed: [], skipped: [] } };
  }

  async world(): Promise<World> {
    const answer = await this.emu.control('GET', '/state');
    return answer.body as World;
  }

  /** The state as agoractl stored it, read through the store when it is in PostgreSQL. */
  async state(): Promise<StateSnapshot> {
    if (this.backend === 'postgres') {
      const store = await openPostgresStateStore(this.stateLocation);
      try {
        return await store.load();
      } finally {
        await store.close();
      }
    }
    try {
      return JSON.parse(await readFile(this.statePath, 'utf8')) as StateSnapshot;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, lineage: '', serial: 0, resources: {} };
      throw err;
    }
  }

  /** Everything the state holds, as text: what must never contain a secret. */
  async stateText(): Promise<string> {
    if (this.backend === 'postgres') return JSON.stringify(await this.state());
    return await readFile(this.statePath, 'utf8').catch(() => '');
  }

  async stateOf(kind: string, name: string): Promise<ResourceState | undefined> {
    return (await this.state()).resources[`${PROJECT}/${kind}/${name}`];
  }

  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const answer = await this.emu.control(method, path, body);
    assert.ok(answer.status < 300, `control ${method} ${path} answered ${answer.status}: ${answer.text}`);
    return answer.body;
  }

  /** Moves the emulated world's clock; every timer that falls due has run when this resolves. */
  async advance(ms: number): Promise<void> {
    await this.control('POST', '/clock', { advanceMs: ms });
  }

  async fault(rule: { match: { method?: string; path?: string }; effect: string; count?: number; delayMs?: number }): Promise<void> {
    await this.control('POST', '/faults', rule);
  }

  async requests(): Promise<RequestEntry[]> {
    return (await this.control('GET', '/requests')) as RequestEntry[];
  }

  async close(): Promise<void> {
    await this.cleanup();
  }
}

export interface RequestEntry {
  index: number;
  method: string;
  path: string;
  query: string;
  status: number | null;
  fault?: string;
  /** A refused request's message: the rate's and the quota's 429s differ only in it. */
  message?: string;
}

export interface PlanJson {
  formatVersion: 1;
  actions: { key: string; kind: string; name: string; type: string; reason: string; changes: { path: string; before?: unknown; after?: unknown }[]; detail: Record<string, unknown>; blocked?: boolean }[];
  unmanaged: { kind: string; name: string; externalId?: string }[];
  errors: { code: string; message: string }[];
  summary: Record<string, number>;
}

type ActionJson = PlanJson['actions'][number];

export interface ApplyOutcome {
  done: ActionJson[];
  failed: { action: ActionJson; error: { message: string; code?: string | number } }[];
  skipped: { action: ActionJson; why: string }[];
}

/** `type name` of each action, in plan order. */
export function actionsOf(plan: PlanJson): string[] {
  return plan.actions.map((a) => `${a.type} ${a.name}`);
}

/** A module for `node --import` that moves Date.now ahead, as if the process ran later. */
function clockAhead(ms: number): string {
  const source = `const ahead=${Math.round(ms)};const now=Date.now.bind(Date);Date.now=()=>now()+ahead;`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Resolves once `predicate` holds, looking every 10 ms: for a step that must wait until the
 * emulator saw something (a request, a player). Nothing is asserted about how long it took.
 */
export async function until(predicate: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

// ---- assertions about the whole world ----

/** A CLI run that must have succeeded; its output is shown when it did not. */
export function assertExit(result: CliResult, code: number, what = 'agoractl'): void {
  assert.equal(result.code, code, `${what} exited ${result.code ?? result.signal}, expected ${code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
}

/** No secret value in anything agoractl printed or stored. */
export async function assertNoSecrets(scenario: Scenario, ...results: CliResult[]): Promise<void> {
  const stateText = await scenario.stateText();
  for (const secret of SECRET_VALUES) {
    for (const r of results) assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `a secret reached the CLI output`);
    assert.ok(!stateText.includes(secret), 'a secret reached the state');
  }
  // A minted RTC token (AccessToken2 strings start with "007") is as secret as the certificate.
  const token = /007eJ[A-Za-z0-9+/=]{40,}/;
  for (const r of results) assert.doesNotMatch(`${r.stdout}${r.stderr}`, token, 'a token reached the CLI output');
  assert.doesNotMatch(stateText, token, 'a token reached the state');
}

/**
 * The players of the App ID are exactly the desired ones, once each (0 duplicates), plus the
 * ones a test created outside agoractl (0 orphans); agoractl's state knows each desired player
 * by the id it has in Agora and holds no intent left unresolved.
 */
export async function assertPlayers(scenario: Scenario, desired: readonly string[], unmanaged: readonly string[] = []): Promise<World['players']> {
  const players = (await scenario.world()).players.filter((p) => p.appId === APP_ID);
  const names = players.map((p) => p.name ?? `(unnamed ${p.id})`).sort();
  assert.deepEqual(names, [...desired, ...unmanaged].sort(), 'the players in Agora are the desired ones, once each');
  const state = await scenario.state();
  for (const name of desired) {
    const record = state.resources[`${PROJECT}/CloudPlayer/${name}`];
    const live = players.find((p) => p.name === name);
    assert.ok(record, `state records ${name}`);
    assert.equal(record.externalId, live?.id, `state holds the id of ${name} in Agora`);
    assert.equal(record.pending, undefined, `no unresolved intent for ${name}`);
  }
  const recorded = Object.values(state.resources).filter((r) => r.kind === 'CloudPlayer').map((r) => r.name).sort();
  assert.deepEqual(recorded, [...desired].sort(), 'state records exactly the desired players');
  return players;
}

/** The one player named `name`. */
export async function playerNamed(scenario: Scenario, name: string): Promise<World['players'][number]> {
  const matches = (await scenario.world()).players.filter((p) => p.name === name);
  assert.equal(matches.length, 1, `one player named ${name}`);
  const [player] = matches;
  assert.ok(player);
  return player;
}

/** Runs `plan --detailed-exitcode`, which must find nothing to change. */
export async function assertNoChanges(scenario: Scenario, options: RunOpts = {}): Promise<void> {
  const result = await scenario.plan(['--detailed-exitcode'], options);
  assertExit(result, 0, 'plan --detailed-exitcode');
  assert.match(result.stdout, /No changes\./);
}
