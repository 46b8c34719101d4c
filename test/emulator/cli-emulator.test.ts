// `agoractl emulator` as a user runs it: the real CLI process, its start-up lines, a request
// with the printed credentials, and SIGTERM.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/agoractl.js', import.meta.url));
const LISTENING = /^agora emulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/;

/** Starts the CLI and collects its stdout lines until the listening line. */
async function startCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; lines: string[]; url: string }> {
  const child = spawn(process.execPath, [BIN, 'emulator', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of reader) {
    lines.push(line);
    const match = LISTENING.exec(line);
    if (match?.[1]) return { child, lines, url: match[1] };
  }
  throw new Error(`the emulator exited before listening: ${stderr}`);
}

void describe('agoractl emulator', { timeout: 30_000 }, () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  void test('prints credentials, control token and domain URLs, serves the API, and exits 0 on SIGTERM', async () => {
    const env = { ...process.env, AGORA_CUSTOMER_ID: 'cli-customer', AGORA_CUSTOMER_SECRET: 'cli-secret', AGORA_EMULATOR_CONTROL_TOKEN: '' };
    const { child, lines, url } = await startCli(['--port', '0', '--domains', 'api.agora.io,api.sd-rtn.com'], env);
    children.push(child);
    assert.ok(lines.includes('customer id: cli-customer'), lines.join('\n'));
    assert.ok(!lines.join('\n').includes('cli-secret'), 'a secret from the environment is not printed');
    const token = lines.find((l) => l.startsWith('control token: '))?.slice('control token: '.length);
    assert.ok(token && token.length >= 16);
    assert.ok(lines.includes(`domain api.agora.io: ${url}`));
    assert.ok(lines.some((l) => /^domain api\.sd-rtn\.com: http:\/\/127\.0\.0\.1:\d+$/.test(l)));

    const auth = `Basic ${Buffer.from('cli-customer:cli-secret').toString('base64')}`;
    const listed = await fetch(`${url}/v1/projects/app/cloud-player/players`, { headers: { authorization: auth } });
    assert.equal(listed.status, 200);
    assert.deepEqual(((await listed.json()) as { players: unknown[] }).players, []);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  void test('prints the default credentials when none are set', async () => {
    const env = { ...process.env, AGORA_CUSTOMER_ID: '', AGORA_CUSTOMER_SECRET: '' };
    const { child, lines, url } = await startCli([], env);
    children.push(child);
    assert.ok(lines.includes('customer id: agoractl-emulator'), lines.join('\n'));
    assert.ok(lines.includes('customer secret: agoractl-emulator-secret'), lines.join('\n'));
    const auth = `Basic ${Buffer.from('agoractl-emulator:agoractl-emulator-secret').toString('base64')}`;
    assert.equal((await fetch(`${url}/v1/projects/app/cloud-player/players`, { headers: { authorization: auth } })).status, 200);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
