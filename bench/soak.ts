// The soak of `agoractl reconcile --watch` (issue 6): a real daemon process against an emulator
// in this process, while seeded random edits change its manifests and the emulator misbehaves
// (faults, players destroyed behind its back, streams that stop playing). At the end the soak
// stops interfering and requires the world to equal the manifests: every player once, none
// that no manifest names, state recording each one; the daemon's memory is sampled throughout.
//
//   npx tsx bench/soak.ts [--minutes 10] [--seed 1] [--documented-limits] [--keep]
//
// Exit code 0 only when it converged with 0 duplicates and 0 orphans.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { LimitOverrides } from '../src/agora/limits.ts';
import { seededRandom } from '../src/emulator/random.ts';
import type { StateSnapshot } from '../src/state/types.ts';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../test/emulator/helpers.ts';
import { APP_ID, Daemon, NOTIFICATION_SECRET, daemonEnv, projectDocument, waitFor } from '../test/e2e/daemon-harness.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT = 'prod';
const CHANNELS = ['soak-a', 'soak-b', 'soak-c', 'soak-d'];
const INITIAL_PLAYERS = 30;
const MIN_PLAYERS = 20;
const MAX_PLAYERS = 40;
const WIDTHS = [640, 960, 1280];
const RESYNC_S = 5;
/** Agora hides a new player from List for ~10 s; a shorter lag keeps the soak busy, --list-lag covers it. */
const LIST_DELAY_MS = 500;
const LIST_LAG_S = 2;
const MEMORY_SAMPLE_MS = 10_000;
const CONVERGE_TIMEOUT_MS = 240_000;
/** Converged only if the world stays equal (same player ids) this long: no endless replacing. */
const STABLE_MS = 2 * RESYNC_S * 1000 + 2_000;
/** Own calls to the emulator carry this request id prefix, so they are not counted as agoractl's. */
const OWN_REQUEST = 'soak-';

// The documented limits (agora-facts.md) with List's per-minute budget doubled, so a 10-minute
// run spends its time reconciling rather than waiting for List; the daemon's Project says the
// same, as it must for a project whose quota Agora raised.
const SCALED_LIMITS: LimitOverrides = {
  playerListUnfiltered: { perSecond: 10, perMinute: 40 },
  playerListFiltered: { perSecond: 2, perMinute: 30 },
};

interface PlayerModel {
  name: string;
  channel: string;
  uid: number;
  streamVersion: number;
  width?: number;
  volume?: number;
  file: string;
}

interface Options {
  minutes: number;
  seed: number;
  limits: LimitOverrides;
  keep: boolean;
}

interface MemorySample {
  minute: number;
  rssMb: number;
  heapMb?: number;
}

interface OriginSiteView {
  appId: string;
  entryPoint: string;
  enabled: boolean;
  domain?: string;
  app?: string;
}

interface Check {
  ok: boolean;
  problems: string[];
  duplicates: number;
  orphans: number;
  ids: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      'documented-limits': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  if (!(minutes > 0) || !Number.isInteger(seed)) throw new Error('usage: soak.ts [--minutes N>0] [--seed INTEGER] [--documented-limits] [--keep]');
  return { minutes, seed, limits: values['documented-limits'] ? {} : SCALED_LIMITS, keep: values.keep };
}

// ---- manifests --------------------------------------------------------------------------------

class ManifestFolder {
  readonly players = new Map<string, PlayerModel>();
  originApp = 'live';
  #nextId = 1;

  constructor(
    readonly dir: string,
    readonly limits: LimitOverrides,
  ) {}

  newPlayer(channel: string, file?: string): PlayerModel {
    const id = this.#nextId++;
    const name = `p${String(id).padStart(3, '0')}`;
    return { name, channel, uid: 1000 + id, streamVersion: 1, file: file ?? channelFile(channel) };
  }

  streamUrl(p: PlayerModel): string {
    return `rtmp://origin.example.com/live/${p.name}/v${p.streamVersion}`;
  }

  playerDoc(p: PlayerModel, widthOverride?: number): Record<string, unknown> {
    const width = widthOverride ?? p.width;
    return {
      apiVersion: 'agoractl/v1',
      kind: 'CloudPlayer',
      metadata: { name: p.name, project: PROJECT },
      spec: {
        region: 'na',
        channelName: p.channel,
        uid: p.uid,
        streamUrl: this.streamUrl(p),
        token: { generate: true },
        idleTimeout: 60,
        ...(width === undefined ? {} : { videoOptions: { width } }),
        ...(p.volume === undefined ? {} : { audioOptions: { volume: p.volume } }),
      },
    };
  }

  /** The text a manifest file holds now; '' when no document lives in it. */
  render(file: string): string {
    if (file === 'project.yaml') return JSON.stringify(projectDocument(this.limits as Record<string, unknown>));
    if (file === 'origin.yaml') {
      return JSON.stringify({ apiVersion: 'agoractl/v1', kind: 'OriginSite', metadata: { name: 'live', project: PROJECT }, spec: { enabled: true, domain: 'origin.example.com', app: this.originApp } });
    }
    const docs = [...this.players.values()].filter((p) => p.file === file).map((p) => JSON.stringify(this.playerDoc(p)));
    return docs.join('\n---\n');
  }

  files(): string[] {
    return ['project.yaml', 'origin.yaml', ...new Set([...this.players.values()].map((p) => p.file))];
  }

  async write(file: string): Promise<void> {
    const text = this.render(file);
    if (text === '') await rm(join(this.dir, file), { force: true });
    else await writeFile(join(this.dir, file), `${text}\n`);
  }

  async writeAll(): Promise<void> {
    for (const file of this.files()) await this.write(file);
  }
}

function channelFile(channel: string): string {
  return `players-${channel}.yaml`;
}


// ---- the run ----------------------------------------------------------------------------------

class Soak {
  readonly random: () => number;
  readonly counts = new Map<string, number>();
  readonly memory: MemorySample[] = [];
  readonly unplayable = new Map<string, number>();
  readonly startedAt = Date.now();
  maxDuplicatesSeen = 0;
  #requestCursor = 0;
  #ownRequests = 0;

  constructor(
    readonly options: Options,
    readonly emulator: TestEmulator,
    readonly manifests: ManifestFolder,
    readonly daemon: Daemon,
    readonly statePath: string,
  ) {
    this.random = seededRandom(options.seed);
  }

  count(what: string, by = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + by);
  }

  between(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random() * items.length)];
  }

  minutes(): number {
    return (Date.now() - this.startedAt) / 60_000;
  }

  async worldPlayers(): Promise<StatePlayer[]> {
    return (await this.emulator.players()).filter((p) => p.appId === APP_ID);
  }

  alive(): void {
    if (this.daemon.child.exitCode !== null || this.daemon.child.signalCode !== null) {
      throw new Error(`the daemon exited (${this.daemon.child.exitCode ?? this.daemon.child.signalCode}): ${this.daemon.stderr.slice(-2000)}`);
    }
  }

  /** One random disturbance; what it was is counted under edit:* , fault:* or chaos:*. */
  async step(): Promise<void> {
    const actions: [number, () => Promise<string | undefined>][] = [
      [14, () => this.addPlayer()],
      [10, () => this.removePlayer()],
      [14, () => this.changeStreamUrl()],
      [10, () => this.changeWidth()],
      [5, () => this.changeVolume()],
      [6, () => this.halfFile()],
      [5, () => this.invalidThenFixed()],
      [3, () => this.changeOrigin()],
      [20, () => this.injectFault()],
      [8, () => this.deleteBehindBack()],
      [5, () => this.makeUnplayable()],
    ];
    let draw = this.random() * actions.reduce((sum, [w]) => sum + w, 0);
    for (const [weight, run] of actions) {
      draw -= weight;
      if (draw > 0) continue;
      const done = await run();
      if (done) this.count(done);
      return;
    }
  }

  async addPlayer(): Promise<string | undefined> {
    if (this.manifests.players.size >= MAX_PLAYERS) return this.removePlayer();
    const p = this.manifests.newPlayer(this.pick(CHANNELS) ?? 'soak-a');
    if (this.random() < 0.3) p.width = this.pick(WIDTHS);
    this.manifests.players.set(p.name, p);
    await this.manifests.write(p.file);
    return 'edit:add player';
  }

  async removePlayer(): Promise<string | undefined> {
    if (this.manifests.players.size <= MIN_PLAYERS) return this.addPlayer();
    const p = this.pick([...this.manifests.players.values()]);
    if (!p) return undefined;
    this.manifests.players.delete(p.name);
    await this.manifests.write(p.file);
    return 'edit:remove player';
  }

  async changeStreamUrl(): Promise<string | undefined> {
    const p = this.pick([...this.manifests.players.values()]);
    if (!p) return undefined;
    p.streamVersion += 1;
    await this.manifests.write(p.file);
    return 'edit:streamUrl (update)';
  }

  async changeWidth(): Promise<string | undefined> {
    const p = this.pick([...this.manifests.players.values()]);
    if (!p) return undefined;
    p.width = this.pick(WIDTHS.filter((w) => w !== p.width));
    await this.manifests.write(p.file);
    return 'edit:video width (replace)';
  }

  async changeVolume(): Promise<string | undefined> {
    const p = this.pick([...this.manifests.players.values()]);
    if (!p) return undefined;
    p.volume = this.between(0, 200);
    await this.manifests.write(p.file);
    return 'edit:volume (update)';
  }

  /** Half a file for a moment, as an editor's save or a git pull may leave it. */
  async halfFile(): Promise<string | undefined> {
    const file = this.pick(this.manifests.files().filter((f) => f.startsWith('players-')));
    if (!file) return undefined;
    const text = this.manifests.render(file);
    await writeFile(join(this.manifests.dir, file), text.slice(0, this.between(10, Math.max(11, Math.floor(text.length / 2)))));
    await sleep(this.between(1_200, 3_000));
    await this.manifests.write(file);
    return 'edit:half file, then fixed';
  }

  /** A new player whose document breaks the schema; then its width is fixed and it is managed. */
  async invalidThenFixed(): Promise<string | undefined> {
    const p = this.manifests.newPlayer(this.pick(CHANNELS) ?? 'soak-a');
    p.file = `extra-${p.name}.yaml`;
    await writeFile(join(this.manifests.dir, p.file), JSON.stringify(this.manifests.playerDoc(p, 5000)));
    await sleep(this.between(1_500, 3_500));
    if (this.manifests.players.size >= MAX_PLAYERS) {
      await rm(join(this.manifests.dir, p.file), { force: true });
      return 'edit:invalid doc, then removed';
    }
    p.width = this.pick(WIDTHS);
    this.manifests.players.set(p.name, p);
    await this.manifests.write(p.file);
    return 'edit:invalid doc, then fixed';
  }

  async changeOrigin(): Promise<string | undefined> {
    this.manifests.originApp = this.manifests.originApp === 'live' ? 'live-b' : 'live';
    await this.manifests.write('origin.yaml');
    return 'edit:origin site app (patch)';
  }

  async injectFault(): Promise<string | undefined> {
    const players = '/cloud-player/players';
    const faults: { label: string; match: Record<string, string>; effect: string }[] = [
      { label: '504-after on create', match: { method: 'POST', path: `${players}$` }, effect: '504-after' },
      { label: '504-after on delete', match: { method: 'DELETE', path: `${players}/` }, effect: '504-after' },
      { label: '504-after on update', match: { method: 'PATCH', path: `${players}/` }, effect: '504-after' },
      { label: 'drop on create', match: { method: 'POST', path: `${players}$` }, effect: 'drop' },
      { label: 'drop on list', match: { method: 'GET', path: `${players}$` }, effect: 'drop' },
      { label: 'drop-before on delete', match: { method: 'DELETE', path: `${players}/` }, effect: 'drop-before' },
      { label: '503 on media pull', match: { path: '/cloud-player/' }, effect: '503' },
      { label: '429 on media pull', match: { path: '/cloud-player/' }, effect: '429' },
      { label: '503 on fls', match: { path: '/fls/' }, effect: '503' },
    ];
    const fault = this.pick(faults);
    if (!fault) return undefined;
    const count = this.between(1, 3);
    const probability = 0.1 + Math.round(this.random() * 20) / 100;
    const answer = await this.emulator.control('POST', '/faults', { match: fault.match, effect: fault.effect, count, probability });
    if (answer.status !== 201) throw new Error(`the emulator refused a fault rule: ${answer.text}`);
    return `fault:${fault.label}`;
  }

  async deleteBehindBack(): Promise<string | undefined> {
    const victim = this.pick(await this.worldPlayers());
    if (!victim) return undefined;
    // An injected fault may hit this call too (a 5xx, a dropped connection); the player then
    // may or may not be gone, which is just more chaos for the daemon.
    try {
      const answer = await this.emulator.call('DELETE', `/${victim.region}/v1/projects/${APP_ID}/cloud-player/players/${victim.id}`, {
        headers: { 'x-request-id': `${OWN_REQUEST}${++this.#ownRequests}` },
      });
      return answer.status === 200 ? 'chaos:player deleted behind its back' : `chaos:delete behind its back answered ${answer.status}`;
    } catch {
      return 'chaos:delete behind its back lost its connection';
    }
  }

  async makeUnplayable(): Promise<string | undefined> {
    const p = this.pick([...this.manifests.players.values()]);
    if (!p) return undefined;
    const url = this.manifests.streamUrl(p);
    await this.emulator.control('PUT', '/streams', { url, playable: false });
    this.unplayable.set(url, Date.now() + this.between(8_000, 25_000));
    return 'chaos:stream unplayable for a while';
  }

  async restoreStreams(all = false): Promise<void> {
    for (const [url, until] of this.unplayable) {
      if (!all && until > Date.now()) continue;
      await this.emulator.control('PUT', '/streams', { url, playable: true });
      this.unplayable.delete(url);
    }
  }

  /**
   * Folds new request log entries into the counts. An entry still unanswered is kept for the
   * next poll unless it is old (a dropped connection never gets a status).
   */
  async pollRequests(final = false): Promise<void> {
    const entries = (await this.emulator.control('GET', `/requests?since=${this.#requestCursor}`)).body as { index: number; time: number; status: number | null; fault?: string; requestId: string; path: string }[];
    for (const e of entries) {
      if (!final && e.status === null && !e.fault?.startsWith('drop') && Date.now() - e.time < 30_000) break;
      this.#requestCursor = e.index + 1;
      if (e.requestId.startsWith(OWN_REQUEST)) continue;
      this.count('agoractl:requests');
      if (e.fault) this.count(`agoractl:fault hit ${e.fault}`);
      if (e.status === 429) this.count(e.fault === '429' ? 'agoractl:429 injected' : 'agoractl:429 from rate limits');
    }
  }

  async sampleMemory(): Promise<void> {
    const status = await readFile(`/proc/${this.daemon.child.pid ?? 0}/status`, 'utf8').catch(() => '');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    if (kb === undefined) return;
    let heapMb: number | undefined;
    try {
      const metrics = await (await fetch(`${this.daemon.url}/metrics`)).text();
      const bytes = /^nodejs_heap_size_used_bytes\s+([\d.e+]+)/m.exec(metrics)?.[1];
      if (bytes !== undefined) heapMb = Number(bytes) / 2 ** 20;
    } catch {
      // The daemon may be between requests' sockets; RSS alone is the sample.
    }
    this.memory.push({ minute: this.minutes(), rssMb: Number(kb) / 1024, heapMb });
  }

  /** The daemon's live heap after each full collection, from its --trace-gc lines. */
  fullGcHeap(): { minute: number; value: number }[] {
    const samples: { minute: number; value: number }[] = [];
    for (const l of this.daemon.logs) {
      if (l.event !== 'unparsed' || typeof l.line !== 'string') continue;
      const m = /\s(\d+) ms: Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(l.line);
      if (m) samples.push({ minute: Number(m[1]) / 60_000, value: Number(m[2]) });
    }
    return samples;
  }

  /** The world against the manifests and the state file. */
  async check(): Promise<Check> {
    const problems: string[] = [];
    const snapshot = (await this.emulator.control('GET', '/state')).body as { players: StatePlayer[]; originSites: OriginSiteView[] };
    const world = snapshot.players.filter((p) => p.appId === APP_ID);
    const byName = new Map<string, StatePlayer[]>();
    for (const p of world) {
      const name = p.name ?? `(unnamed ${p.id})`;
      byName.set(name, [...(byName.get(name) ?? []), p]);
    }
    let duplicates = 0;
    let orphans = 0;
    for (const [name, found] of byName) {
      if (found.length > 1) {
        duplicates += found.length - 1;
        problems.push(`${name} exists ${found.length} times`);
      }
      if (!this.manifests.players.has(name)) {
        orphans += found.length;
        problems.push(`${name} exists but no manifest names it`);
      }
    }
    for (const want of this.manifests.players.values()) {
      const got = byName.get(want.name)?.[0];
      if (!got) {
        problems.push(`${want.name} is missing`);
        continue;
      }
      const width = (got as StatePlayer & { videoOptions?: { width?: number } }).videoOptions?.width;
      if (got.channelName !== want.channel || got.uid !== want.uid) problems.push(`${want.name} is in ${got.channelName}/${got.uid}`);
      if (got.streamUrl !== this.manifests.streamUrl(want)) problems.push(`${want.name} plays ${got.streamUrl}`);
      if (width !== want.width) problems.push(`${want.name} has width ${String(width)}, not ${String(want.width)}`);
      if ((got.audioOptions?.volume ?? 100) !== (want.volume ?? 100)) problems.push(`${want.name} has volume ${String(got.audioOptions?.volume)}`);
      if (got.status !== 'running') problems.push(`${want.name} is ${got.status}`);
    }
    const state = await readState(this.statePath);
    const recorded = new Map(Object.values(state?.resources ?? {}).filter((r) => r.kind === 'CloudPlayer').map((r) => [r.name, r]));
    for (const [name, found] of byName) {
      const record = recorded.get(name);
      if (!record) problems.push(`state does not record ${name}`);
      else if (!found.some((p) => p.id === record.externalId)) problems.push(`state records ${name} as ${String(record.externalId)}`);
      if (record?.pending) problems.push(`state has a pending ${record.pending.action} for ${name}`);
    }
    for (const name of recorded.keys()) if (!byName.has(name)) problems.push(`state records ${name}, which does not exist`);
    const site = snapshot.originSites.find((s) => s.appId === APP_ID && s.entryPoint === 'live');
    if (!site?.enabled || site.domain !== 'origin.example.com' || site.app !== this.manifests.originApp) problems.push(`origin site live is ${JSON.stringify(site)}`);
    const ids = world.map((p) => `${p.name ?? ''}=${p.id}`).sort().join(',');
    return { ok: problems.length === 0, problems, duplicates, orphans, ids };
  }
}

async function readState(path: string): Promise<StateSnapshot | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StateSnapshot;
  } catch {
    return undefined;
  }
}

async function startSoakDaemon(dir: string, statePath: string, emulator: TestEmulator): Promise<Daemon> {
  const child = spawn(
    process.execPath,
    // --trace-gc prints the live heap after each full (mark-compact) collection: the measure of
    // a leak that RSS and heap-used samples, taken at any point of the GC cycle, blur.
    ['--trace-gc', join(REPO, 'bin/agoractl.js'), 'reconcile', '-f', dir, '--state', statePath, '--watch', '--listen', '127.0.0.1:0', '--log-format', 'json', '--list-lag', String(LIST_LAG_S), '--resync', String(RESYNC_S)],
    { cwd: REPO, env: daemonEnv(emulator), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const daemon = new Daemon(child);
  await waitFor(() => daemon.url || undefined, 30_000, () => `daemon did not start: ${daemon.stderr}`);
  return daemon;
}

/** Least-squares slope (MB per minute) of the samples after warm-up. */
function slope(samples: readonly { minute: number; value: number }[]): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.minute, 0) / n;
  const my = samples.reduce((s, p) => s + p.value, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
  return sxx === 0 ? 0 : samples.reduce((s, p) => s + (p.minute - mx) * (p.value - my), 0) / sxx;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const root = await mkdtemp(join(tmpdir(), 'agoractl-soak-'));
  const dir = join(root, 'manifests');
  const statePath = join(root, 'state.json');
  await mkdir(dir);
  const emulator = await startTestEmulator({ seed: options.seed, limits: options.limits, behaviour: { listDelayMs: LIST_DELAY_MS } });
  const manifests = new ManifestFolder(dir, options.limits);
  const setup = seededRandom(options.seed + 1);
  for (let i = 0; i < INITIAL_PLAYERS; i++) {
    const p = manifests.newPlayer(CHANNELS[i % CHANNELS.length] ?? 'soak-a');
    if (setup() < 0.3) p.width = WIDTHS[i % WIDTHS.length];
    manifests.players.set(p.name, p);
  }
  await manifests.writeAll();
  let daemon: Daemon | undefined;
  let code = 1;
  try {
    daemon = await startSoakDaemon(dir, statePath, emulator);
    await emulator.control('PUT', '/webhook', { url: `${daemon.url}/webhooks/agora`, secret: NOTIFICATION_SECRET });
    const d = daemon;
    await waitFor(async () => ((await fetch(`${d.url}/readyz`)).status === 200 ? true : undefined), 120_000, () => `daemon never ready: ${d.stderr}`);
    const soak = new Soak(options, emulator, manifests, daemon, statePath);
    console.log(`soak: ${options.minutes} min, seed ${options.seed}, ${manifests.players.size} players in ${CHANNELS.length} channels, resync ${RESYNC_S} s, limits ${JSON.stringify(options.limits)}; folder ${root}`);
    code = await run(soak);
    return code;
  } finally {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await emulator.close();
    if (options.keep || code !== 0) {
      if (daemon) await writeFile(join(root, 'daemon.log'), `${daemon.logs.map((l) => (l.event === 'unparsed' ? String(l.line) : JSON.stringify(l))).join('\n')}\n${daemon.stderr}`);
      console.log(`kept ${root} (manifests, state.json, daemon.log)`);
    } else {
      await rm(root, { recursive: true, force: true });
    }
  }
}

async function run(soak: Soak): Promise<number> {
  const deadline = soak.startedAt + soak.options.minutes * 60_000;
  let nextSample = 0;
  let nextReport = Date.now() + 60_000;
  let error: unknown;
  try {
    while (Date.now() < deadline) {
      soak.alive();
      if (Date.now() >= nextSample) {
        await soak.sampleMemory();
        nextSample = Date.now() + MEMORY_SAMPLE_MS;
      }
      await soak.restoreStreams();
      await soak.step();
      const world = await soak.worldPlayers();
      const names = world.map((p) => p.name ?? p.id);
      soak.maxDuplicatesSeen = Math.max(soak.maxDuplicatesSeen, names.length - new Set(names).size);
      await soak.pollRequests();
      if (Date.now() >= nextReport) {
        const rss = soak.memory.at(-1)?.rssMb ?? 0;
        console.log(`[${soak.minutes().toFixed(1)} min] ${[...soak.counts].filter(([k]) => !k.startsWith('agoractl:')).reduce((s, [, v]) => s + v, 0)} disturbances; ${world.length} players in Agora, ${soak.manifests.players.size} in manifests; daemon RSS ${rss.toFixed(0)} MB`);
        nextReport += 60_000;
      }
      await sleep(soak.between(1_500, 4_000));
    }
  } catch (err) {
    error = err;
  }

  // Stop interfering, restore a valid manifest set, and wait for the world to follow.
  const calmAt = Date.now();
  let converged: { check: Check; afterMs: number } | undefined;
  let last: Check | undefined;
  if (!error) {
    await soak.emulator.control('DELETE', '/faults');
    await soak.restoreStreams(true);
    await soak.manifests.writeAll();
    await soak.sampleMemory();
    const until = Date.now() + CONVERGE_TIMEOUT_MS;
    while (!converged && Date.now() < until && soak.daemon.child.exitCode === null) {
      last = await soak.check();
      if (last.ok) {
        const firstOk = Date.now() - calmAt;
        await sleep(STABLE_MS);
        const again = await soak.check();
        if (again.ok && again.ids === last.ids) converged = { check: again, afterMs: firstOk };
        last = again;
      } else {
        await sleep(1_000);
      }
    }
  }
  await soak.sampleMemory();
  const exitCode = soak.daemon.child.exitCode === null ? await stopDaemon(soak.daemon) : soak.daemon.child.exitCode;
  const afterStop = error ? undefined : await soak.check();
  await soak.pollRequests(true);
  printSummary(soak, { error, calmAt, converged, last, afterStop, exitCode });
  const final = afterStop ?? last;
  return converged && final && final.duplicates === 0 && final.orphans === 0 && afterStop?.ok && exitCode === 0 ? 0 : 1;
}

async function stopDaemon(daemon: Daemon): Promise<number | null> {
  daemon.child.kill('SIGTERM');
  const code = await Promise.race([daemon.exited, sleep(40_000).then(() => 'timeout' as const)]);
  if (code !== 'timeout') return code;
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  return null;
}

interface Outcome {
  error: unknown;
  calmAt: number;
  converged?: { check: Check; afterMs: number };
  last?: Check;
  afterStop?: Check;
  exitCode: number | null;
}

function printSummary(soak: Soak, outcome: Outcome): void {
  const lines: string[] = ['', '==== soak summary ===='];
  const put = (label: string, value: string | number): void => {
    lines.push(`${label.padEnd(40)} ${value}`);
  };
  const sum = (prefix: string): number => [...soak.counts].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
  put('minutes (asked / disturbing)', `${soak.options.minutes} / ${((outcome.calmAt - soak.startedAt) / 60_000).toFixed(1)}`);
  put('seed', soak.options.seed);
  put('manifest edits', sum('edit:'));
  put('fault rules injected', sum('fault:'));
  put('chaos (deletes behind its back, streams)', sum('chaos:'));
  for (const [k, v] of [...soak.counts].sort()) lines.push(`  ${k.padEnd(38)} ${v}`);
  put('429s answered to agoractl', (soak.counts.get('agoractl:429 injected') ?? 0) + (soak.counts.get('agoractl:429 from rate limits') ?? 0));
  put('  of which from rate limits (not injected)', soak.counts.get('agoractl:429 from rate limits') ?? 0);
  const logs = soak.daemon.logs;
  const events = new Map<string, number>();
  for (const l of logs) {
    if (l.event === 'unparsed') continue; // --trace-gc lines
    const key = l.event === 'resource.action' ? `action ${String(l.action)} ${String(l.result)}` : String(l.event);
    events.set(key, (events.get(key) ?? 0) + 1);
  }
  lines.push('daemon log events:');
  for (const [k, v] of [...events].sort()) lines.push(`  ${k.padEnd(38)} ${v}`);
  const final = outcome.afterStop ?? outcome.last;
  put('duplicates (end)', final?.duplicates ?? 'n/a');
  put('duplicates seen during the run (max)', soak.maxDuplicatesSeen);
  put('orphans (end)', final?.orphans ?? 'n/a');
  put('converged', outcome.converged ? `yes, ${(outcome.converged.afterMs / 1000).toFixed(1)} s after the last disturbance (stable ${STABLE_MS / 1000} s)` : 'NO');
  put('world and state after SIGTERM', outcome.afterStop ? (outcome.afterStop.ok ? 'equal to the manifests' : 'DIFFER') : 'n/a');
  put('daemon exit code on SIGTERM', String(outcome.exitCode));
  const mem = soak.memory;
  if (mem.length > 0) {
    const at = (m: number) => mem.reduce((best, s) => (Math.abs(s.minute - m) < Math.abs(best.minute - m) ? s : best));
    const fmt = (s: MemorySample) => `${s.rssMb.toFixed(1)} MB at ${s.minute.toFixed(1)} min`;
    const end = mem[mem.length - 1] as MemorySample;
    put('RSS start / middle / end', `${fmt(mem[0] as MemorySample)} / ${fmt(at(end.minute / 2))} / ${fmt(end)}`);
    const warmup = Math.min(2, end.minute * 0.25);
    const steady = mem.filter((s) => s.minute >= warmup);
    const rssSlope = slope(steady.map((s) => ({ minute: s.minute, value: s.rssMb })));
    const heap = steady.filter((s) => s.heapMb !== undefined).map((s) => ({ minute: s.minute, value: s.heapMb ?? 0 }));
    put(`RSS slope after ${warmup.toFixed(1)} min warm-up`, `${rssSlope.toFixed(2)} MB/min (${rssSlope < 1 ? 'no growth' : 'GROWING'}; ${steady.length} samples)`);
    // RSS climbs while V8 grows its heap to its working size, then plateaus: the second half tells which.
    const lateHalf = mem.filter((s) => s.minute >= end.minute / 2).map((s) => ({ minute: s.minute, value: s.rssMb }));
    put('RSS slope over the second half', `${slope(lateHalf).toFixed(2)} MB/min (${lateHalf.length} samples)`);
    if (heap.length > 1) put('heap used slope after warm-up', `${slope(heap).toFixed(2)} MB/min (${heap[0]?.value.toFixed(1)} → ${heap.at(-1)?.value.toFixed(1)} MB)`);
    // Daemon minutes count from its start, a little before the soak's first minute.
    const gc = soak.fullGcHeap();
    const gcSteady = gc.filter((s) => s.minute >= warmup);
    if (gc.length > 0) {
      const fmtGc = (s: { minute: number; value: number }) => `${s.value.toFixed(1)} MB at ${s.minute.toFixed(1)} min`;
      put('live heap after full GC first / last', `${fmtGc(gc[0] as { minute: number; value: number })} / ${fmtGc(gc[gc.length - 1] as { minute: number; value: number })} (${gc.length} full GCs)`);
      const gcSlope = slope(gcSteady);
      put('live heap slope after warm-up', gcSteady.length > 1 ? `${gcSlope.toFixed(3)} MB/min (${gcSlope < 0.1 ? 'flat' : 'GROWING'}; ${gcSteady.length} full GCs)` : 'too few full GCs after warm-up');
    }
  }
  if (outcome.error) put('ERROR', outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
  if (!outcome.converged && outcome.last) put('still different', outcome.last.problems.slice(0, 10).join('; '));
  if (outcome.afterStop && !outcome.afterStop.ok) put('different after SIGTERM', outcome.afterStop.problems.slice(0, 10).join('; '));
  console.log(lines.join('\n'));
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
