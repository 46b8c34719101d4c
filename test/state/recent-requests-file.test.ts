import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFileStateStore } from '../../src/state/file-store.ts';
import { ManualClock } from '../agora/fake-clocks.ts';

async function withFolder(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-recent-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test('a file state hands the next process the requests of the last minute, merged across processes, beside the state file', () =>
  withFolder(async (dir) => {
    const clock = new ManualClock();
    const path = join(dir, '.agoractl', 'state.json');
    const apply = await openFileStateStore(path, { clock });
    const t = clock.now();
    await apply.saveRecentRequests?.({ prod: { playerListUnfiltered: [t - 70_000, t - 30_000, t - 1] } });
    const plan = await openFileStateStore(path, { clock });
    await plan.saveRecentRequests?.({ prod: { recording: [t] }, staging: { fls: [t] } });
    await clock.advance(1_000);
    const next = await openFileStateStore(path, { clock });
    assert.deepEqual(await next.loadRecentRequests?.(), {
      prod: { playerListUnfiltered: [t - 30_000, t - 1], recording: [t] },
      staging: { fls: [t] },
    });
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8').catch(() => 'null')), null, 'the state file itself was not written (no serial bump)');
    await writeFile(`${path}.requests.json`, '{ not json');
    assert.deepEqual(await next.loadRecentRequests?.(), {}, 'an unreadable record is no record');
    for (const store of [apply, plan, next]) await store.close();
  }));
