// agoractl as a process: --version, --help, and SIGTERM leaving nothing behind, whether the
// signal reaches agoractl itself or only the shell npx starts it through.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { REPO, runCli, type CliResult } from '../support/cli.ts';
import { until } from '../integration/harness.ts';

const COMMANDS = ['validate', 'plan', 'apply', 'destroy', 'import', 'reconcile', 'emulator', 'state'];

/** The pids whose parent is `pid`, read from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(join('/proc', entry, 'stat'), 'utf8').catch(() => '');
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, ...
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `agoractl emulator --port 0` through `start` and resolves once it listens. */
async function startEmulatorProcess(start: (onStdout: (chunk: string) => void) => { child: ChildProcess; done: Promise<unknown> }): Promise<{ child: ChildProcess; url: string; done: Promise<unknown> }> {
  let output = '';
  let onListening: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (onListening = resolve));
  const { child, done } = start((chunk) => {
    output += chunk;
    const url = /agora emulator listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (url) onListening(url);
  });
  const url = await Promise.race([listening, done.then(() => assert.fail(`the emulator exited before listening:\n${output}`))]);
  return { child, url, done };
}

void describe('agoractl as a process', { timeout: 120_000 }, () => {
  void test('--version and -V print the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0, flag);
      assert.equal(result.stdout, `${version}\n`, flag);
    }
  });

  void test('--help lists every command', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    const commands = result.stdout.split('Commands:')[1] ?? '';
    const listed = commands.split('\n').map((line) => /^\s{2}(\S+)/.exec(line)?.[1]).filter((name) => name !== undefined && name !== 'help');
    assert.deepEqual([...listed].sort(), [...COMMANDS].sort());
  });

  void test('a command with the embedded emulator exits with its error when the state cannot be opened', async () => {
    const env = {
      AGORA_APP_ID: '0123456789abcdef0123456789abcdef',
      AGORA_CUSTOMER_ID: 'id',
      AGORA_CUSTOMER_SECRET: 'secret',
      AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
      AGORA_NOTIFICATION_SECRET: 'n',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
    };
    // /dev/null is no folder: the state file cannot exist. The emulator's server must not keep
    // the process alive after the error (it did: the command hung until killed).
    for (const command of [['plan'], ['apply', '--auto-approve'], ['reconcile']]) {
      const result = await runCli([...command, '--emulator', '-f', 'manifests/', '--state', '/dev/null/state.json'], { env });
      assert.equal(result.code, 1, command.join(' '));
      assert.match(result.stderr, /cannot be read/, command.join(' '));
    }
  });

  void test('SIGTERM stops the emulator and leaves no process behind', async () => {
    let exited: Promise<CliResult> = Promise.resolve({ code: null, signal: null, stdout: '', stderr: '' });
    const { child, url } = await startEmulatorProcess((onStdout) => {
      let spawned: ChildProcess | undefined;
      exited = runCli(['emulator', '--port', '0'], { onSpawn: (c) => (spawned = c), onStdout });
      assert.ok(spawned);
      return { child: spawned, done: exited };
    });
    const pid = child.pid ?? assert.fail('no pid');
    const children = await childrenOf(pid);
    assert.ok(await accepts(url));

    child.kill('SIGTERM');
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await accepts(url), false, 'the port no longer accepts connections');
    assert.equal(alive(pid), false);
    await until(async () => children.every((c) => !alive(c)), `the children ${children.join(', ')} of agoractl to exit`);
  });

  void test('SIGTERM to the shell npx runs agoractl through stops agoractl too', async () => {
    // npx runs `sh -c agoractl ...`; dash passes no signal on to its command.
    const bin = join(REPO, 'bin/agoractl.js');
    let shell: ChildProcess | undefined;
    const { url, done } = await startEmulatorProcess((onStdout) => {
      shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" emulator --port 0`], {
        cwd: REPO,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_command: 'exec' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      shell.stdout?.setEncoding('utf8').on('data', onStdout);
      // The pipes close once every process holding them, agoractl included, has exited.
      const closed = new Promise((resolve) => shell?.on('close', resolve));
      return { child: shell, done: closed };
    });
    const shellPid = shell?.pid ?? assert.fail('no pid');
    const agoractl = (await childrenOf(shellPid))[0] ?? shellPid; // a shell that execs has no child
    const children = await childrenOf(agoractl);

    shell?.kill('SIGTERM');
    await done;
    assert.equal(await accepts(url), false, 'the port no longer accepts connections');
    await until(async () => ![agoractl, ...children].some(alive), 'agoractl and its children to exit');
  });
});
