// How many List requests per second the emulator answers with rate limits off. Every
// integration test and benchmark polls List, so the emulator must never be the bottleneck
// (target: ≥ 5,000/s). The emulator runs in a child process, as `agoractl emulator` does, so
// the load generator does not share its event loop.
//
//   npx tsx bench/emulator-list.ts [--players 50] [--page-size 500] [--seconds 5] [--connections 32]
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startEmulator } from '../src/emulator/server.ts';
import { NO_RATE_LIMITS } from '../src/agora/limits.ts';

const APP = 'bench-app';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    players: { type: 'string', default: '50' },
    'page-size': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
  },
});

if (values.serve) {
  await serve();
} else {
  await measure({
    players: Number(values.players),
    pageSize: Number(values['page-size']),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
  });
}

/** Child mode: an emulator with no rate limits or quota; its URL and credentials go to the parent. */
async function serve(): Promise<void> {
  const emulator = await startEmulator({
    limits: { ...NO_RATE_LIMITS, playersPerProject: null },
  });
  process.send?.({ url: emulator.url, ...emulator.credentials });
  process.once('disconnect', () => {
    void emulator.close();
  });
}

async function measure(options: { players: number; pageSize: number; seconds: number; connections: number }): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'] });
  try {
    const [ready] = (await once(child, 'message')) as [{ url: string; customerId: string; customerSecret: string }];
    const auth = `Basic ${Buffer.from(`${ready.customerId}:${ready.customerSecret}`).toString('base64')}`;
    const pool = new Pool(ready.url, { connections: options.connections });
    const headers = { authorization: auth, 'content-type': 'application/json' };

    for (let i = 0; i < options.players; i += 1) {
      const player = { streamUrl: `rtmp://origin.example.com/live/${i}`, channelName: `class${i % 20}`, uid: i + 1, name: `bench-${i}` };
      const created = await pool.request({ method: 'POST', path: `/na/v1/projects/${APP}/cloud-player/players`, headers, body: JSON.stringify({ player }) });
      await created.body.dump();
      if (created.statusCode !== 200) throw new Error(`create answered ${created.statusCode}`);
    }

    const path = `/v1/projects/${APP}/cloud-player/players?pageSize=${options.pageSize}`;
    let done = 0;
    let failed = 0;
    const deadline = performance.now() + options.seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const answer = await pool.request({ method: 'GET', path, headers: { authorization: auth } });
        await answer.body.dump();
        if (answer.statusCode === 200) done += 1;
        else failed += 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.connections }, worker));
    const elapsed = (performance.now() - started) / 1000;
    await pool.close();

    const perSecond = Math.round(done / elapsed);
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'emulator-list', players: options.players, pageSize: options.pageSize, connections: options.connections, seconds: Number(elapsed.toFixed(2)), requests: done, failed, listPerSecond: perSecond })}\n`,
    );
    process.exitCode = perSecond >= 5000 && failed === 0 ? 0 : 1;
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
