// An apply (of a saved plan, or a destroy) interrupted while another holder keeps the state lock:
// it stops waiting at once instead of sitting out --lock-timeout, says nothing was applied, and
// leaves Agora and the other holder's lock alone. runApply is called in-process, so the interrupt
// is its signal (the CLI aborts the same controller on SIGINT and SIGTERM).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runApply } from '../../src/cli/apply.ts';
import { runDestroy } from '../../src/cli/destroy.ts';
import type { Io } from '../../src/cli/session.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import { lockPathFor } from '../../src/state/file-lock.ts';
import { Scenario, assertExit, assertPlayers, docs, playerDoc, projectDoc } from '../integration/harness.ts';

const FILES = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) };
/** Far longer than the test's timeout: only the interrupt can end the wait. */
const LOCK_TIMEOUT_SECONDS = 3_600;

function capture(env: Record<string, string>): { io: Io; stderr: () => string } {
  let err = '';
  return { io: { out: () => undefined, err: (text) => void (err += `${text}\n`), env, isTty: false }, stderr: () => err };
}

void describe('an interrupt while waiting for the state lock', { timeout: 120_000 }, () => {
  const cases = [
    {
      name: 'apply of a saved plan',
      run: async (s: Scenario, io: Io, signal: AbortSignal): Promise<number> => {
        const planFile = join(dirname(s.dir), 'plan.agoractl');
        assertExit(await s.plan(['--out', planFile]), 0, 'plan --out');
        return runApply({ planFile, state: s.statePath, lockTimeout: LOCK_TIMEOUT_SECONDS, output: 'text' }, io, signal);
      },
    },
    {
      name: 'destroy',
      run: (s: Scenario, io: Io, signal: AbortSignal): Promise<number> =>
        runDestroy({ file: [s.dir], state: s.statePath, lockTimeout: LOCK_TIMEOUT_SECONDS, autoApprove: true, output: 'text' }, io, signal),
    },
  ];
  for (const c of cases) {
    void test(`${c.name} stops waiting and applies nothing`, () =>
      Scenario.run(FILES, async (s) => {
        if (c.name === 'destroy') assertExit(await s.apply(), 0, 'apply before the destroy');
        const before = (await s.world()).players.map((p) => p.id).sort();
        const holder = await openFileStateStore(s.statePath);
        const held = await holder.lock({ owner: 'agoractl apply (the other one)' });
        const lockFile = await readFile(lockPathFor(s.statePath), 'utf8');
        try {
          const { io, stderr } = capture(s.env);
          const interrupt = new AbortController();
          // Whenever it lands (opening the session, or in the wait), the interrupt ends the command.
          setImmediate(() => interrupt.abort());
          const code = await c.run(s, io, interrupt.signal);
          assert.equal(code, 1, stderr());
          assert.match(stderr(), /interrupted while waiting for the state lock: nothing was applied\./);
          assert.deepEqual((await s.world()).players.map((p) => p.id).sort(), before, 'Agora is as it was');
          assert.equal(await readFile(lockPathFor(s.statePath), 'utf8'), lockFile, "the other holder's lock is untouched");
        } finally {
          await held.release();
          await holder.close();
        }
        if (c.name === 'destroy') await assertPlayers(s, ['a', 'b']);
      }));
  }
});
