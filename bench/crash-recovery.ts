// How long agoractl takes to recover from an apply killed with SIGKILL, against a clean apply
// of the same players: the real CLI against the emulator (real clock, List delay on), killed
// once a third of the players exist and one create's answer is held. The target is a
// recovery within a clean apply plus one List lag, with no duplicate.
//
//   npx tsx bench/crash-recovery.ts [--players 40] [--creates-per-second 10] [--list-delay-ms 10000] [--list-lag 15]
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { Scenario, docs, playerDoc, projectDoc, until } from '../test/integration/harness.ts';

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '40' },
    'creates-per-second': { type: 'string', default: '10' },
    'list-delay-ms': { type: 'string', default: '10000' },
    'list-lag': { type: 'string', default: '15' },
  },
});
const count = Number(values.players);
const limits = { playerCreateNamed: { perSecond: Number(values['creates-per-second']) } };
const listDelayMs = Number(values['list-delay-ms']);
const lagArgs = ['--list-lag', values['list-lag']];
const names = Array.from({ length: count }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);
const files = { 'project.yaml': projectDoc(limits), 'players.yaml': docs(...names.map((n) => playerDoc(n))) };
const CREATE = { method: 'POST', path: '/cloud-player/players$' };

async function scenario<T>(body: (s: Scenario) => Promise<T>): Promise<T> {
  const s = await Scenario.start(files, { limits, frozenClock: false });
  try {
    await s.control('PUT', '/behaviour', { listDelayMs });
    return await body(s);
  } finally {
    await s.close();
  }
}

async function timed(run: () => Promise<{ code: number | null }>): Promise<number> {
  const started = performance.now();
  const result = await run();
  if (result.code !== 0) throw new Error(`apply exited ${String(result.code)}`);
  return performance.now() - started;
}

const cleanMs = await scenario((s) => timed(() => s.apply(lagArgs)));

const recovery = await scenario(async (s) => {
  let child: ChildProcess | undefined;
  let held: Promise<void> | undefined;
  const killed = s.apply(lagArgs, {
    onSpawn: (c) => (child = c),
    onStdout: (chunk) => {
      if (!held && /: created/.test(chunk)) held = s.fault({ match: CREATE, effect: 'delay', delayMs: 120_000, count: 1 });
    },
  });
  try {
    await until(async () => held !== undefined && (await s.world()).players.length >= count / 3 && (await s.requests()).some((r) => r.fault === 'delay'), 'a third of the players');
    child?.kill('SIGKILL');
    await killed;
  } finally {
    // An apply the wait gave up on would outlive the bench, retrying against a closed emulator.
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const madeBefore = (await s.world()).players.length;
  const pending = Object.values((await s.state()).resources).filter((r) => r.pending?.action === 'create').length;
  const mark = (await s.requests()).length;
  const ms = await timed(() => s.apply(lagArgs));
  const calls = (await s.requests()).slice(mark);
  const lists = calls.filter((r) => r.method === 'GET' && /\/cloud-player\/players$/.test(r.path));
  const players = (await s.world()).players;
  return {
    ms,
    madeBefore,
    pending,
    filteredLists: lists.filter((r) => r.query.includes('filter')).length,
    lists: lists.length,
    creates: calls.filter((r) => r.method === 'POST').length,
    players: players.length,
    duplicates: players.length - new Set(players.map((p) => p.name)).size,
  };
});

const lagMs = Number(values['list-lag']) * 1000;
console.log(`players ${count}, named creates ${limits.playerCreateNamed.perSecond}/s, emulator List delay ${listDelayMs} ms, --list-lag ${values['list-lag']} s`);
console.log(`clean apply                     ${(cleanMs / 1000).toFixed(1)} s`);
console.log(`recovery apply after SIGKILL    ${(recovery.ms / 1000).toFixed(1)} s  (${recovery.madeBefore} players made before the kill, ${recovery.pending} create intents pending)`);
console.log(`target: clean + one List lag    ${((cleanMs + lagMs) / 1000).toFixed(1)} s  -> ${recovery.ms <= cleanMs + lagMs ? 'met' : 'MISSED'}`);
console.log(`recovery calls: ${recovery.creates} creates, ${recovery.lists} List (${recovery.filteredLists} filtered)`);
console.log(`world: ${recovery.players} players, ${recovery.duplicates} duplicates`);
