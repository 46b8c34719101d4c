// The package as a user gets it: `npm pack`, installed into an empty folder with `npm install
// ./agoractl-X.tgz` (dependencies resolved from the registry as an installer resolves them, with
// no lockfile and no `overrides`), then the installed `agoractl` validates, plans and applies
// the examples it ships against the emulator it ships.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../support/cli.ts';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const LISTENING = /^agora emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/;
const CREDENTIALS = {
  AGORA_APP_ID: '0123456789abcdef0123456789abcdef',
  AGORA_CUSTOMER_ID: 'pack-customer',
  AGORA_CUSTOMER_SECRET: 'pack-secret',
  AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
  AGORA_NOTIFICATION_SECRET: 'pack-notification-secret',
  S3_ACCESS_KEY: 'pack-access-key',
  S3_SECRET_KEY: 'pack-secret-key',
};

void describe('the npm package', { timeout: 600_000 }, () => {
  let work = '';
  let installed = '';
  let tarball = '';
  const children: ChildProcess[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'agoractl-pack-'));
    // npm test built dist/ already; --ignore-scripts keeps pack from rebuilding it under the
    // feet of the other test files that run the CLI at the same time.
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(info);
    tarball = join(work, info.filename);
    installed = join(work, 'app');
    await run('mkdir', ['-p', installed]);
    await writeFile(join(installed, 'package.json'), JSON.stringify({ name: 'pack-test', private: true }));
    await run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: installed, maxBuffer: 16 << 20 });
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (work) await rm(work, { recursive: true, force: true });
  });

  const agoractl = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [join(installed, 'node_modules/agoractl/bin/agoractl.js'), ...args], {
      cwd: installed,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...CREDENTIALS, ...env },
    });

  void test('ships what a user runs and nothing of the development tree', async () => {
    const listed = await run('tar', ['-tzf', tarball]);
    const files = listed.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    assert.ok(files.includes('dist/cli/main.js'));
    assert.ok(files.includes('schemas/manifest.schema.json'));
    assert.ok(files.includes('LICENSE'));
    assert.deepEqual(files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
    const installedDeps = await readdir(join(installed, 'node_modules'));
    assert.ok(!installedDeps.includes('tsx'), 'no TypeScript loader is installed for users');
  });

  void test('every dependency an installer resolves supports this Node', async () => {
    const lock = JSON.parse(await readFile(join(installed, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    const major = Number(process.versions.node.split('.')[0]);
    const tooNew = Object.entries(lock.packages).filter(([, p]) => {
      const floor = /^>=\s*(\d+)/.exec(p.engines?.node ?? '')?.[1];
      return floor !== undefined && Number(floor) > major;
    });
    assert.deepEqual(tooNew.map(([name, p]) => `${name} (node ${p.engines?.node ?? ''})`), []);
  });

  void test('the installed agoractl prints its version, validates, plans and applies against its emulator', async () => {
    const version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal((await agoractl(['--version'])).stdout.trim(), version);

    const examples = join(installed, 'node_modules/agoractl/manifests');
    const validated = await agoractl(['validate', '-f', examples]);
    assert.match(validated.stdout, /^valid: /);

    const emulator = spawn(process.execPath, [join(installed, 'node_modules/agoractl/bin/agoractl.js'), 'emulator', '--port', '0'], {
      cwd: installed,
      env: { PATH: process.env.PATH, AGORA_CUSTOMER_ID: CREDENTIALS.AGORA_CUSTOMER_ID, AGORA_CUSTOMER_SECRET: CREDENTIALS.AGORA_CUSTOMER_SECRET, AGORA_EMULATOR_CONTROL_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(emulator);
    let url = '';
    for await (const line of createInterface({ input: emulator.stdout })) {
      const match = LISTENING.exec(line);
      if (match?.[1]) {
        url = match[1];
        break;
      }
    }
    assert.ok(url, 'the emulator printed its address');
    const state = join(work, 'state.json');
    const env = { AGORACTL_ENDPOINTS: url };
    const planned = await agoractl(['plan', '-f', examples, '--state', state], env);
    assert.match(planned.stdout, /CloudPlayer/);
    await agoractl(['apply', '-f', examples, '--state', state, '--auto-approve'], env);

    const world = (await (await fetch(`${url}/_emulator/state`)).json()) as { players: { name: string }[] };
    const documents = parseAllDocuments(await readFile(join(examples, 'players.yaml'), 'utf8')).map((d) => d.toJS() as { metadata: { name: string } });
    const declared = documents.map((d) => d.metadata.name).sort();
    assert.ok(declared.length > 0, 'the examples declare players');
    assert.deepEqual(world.players.map((p) => p.name).sort(), declared);

    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
  });
});
