// `plan` on a pull request whose author must not see the project's secrets: a manifest cannot
// make agoractl read a file outside the manifest folder (by .., an absolute path or a link)
// unless the operator allows its folder, and cannot point the credentials at a server of its
// choosing. Hostile manifests go through the real CLI; what reached a server is read from it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { json, startScriptedServer } from '../agora/scripted-server.ts';
import { runCli, writeFiles, type CliResult } from '../support/cli.ts';
import { PROJECT, Scenario, assertExit, assertNoSecrets, assertPlayers, docs, playerDoc } from './harness.ts';

/** A Project document with credentials from the environment; `spec` overrides fields. */
function projectWith(spec: Record<string, unknown>): string {
  const base = { appId: { env: 'AGORA_APP_ID' }, customerId: { env: 'AGORA_CUSTOMER_ID' }, customerSecret: { env: 'AGORA_CUSTOMER_SECRET' }, appCertificate: { env: 'AGORA_APP_CERTIFICATE' } };
  return JSON.stringify({ apiVersion: 'agoractl/v1', kind: 'Project', metadata: { name: PROJECT }, spec: { ...base, ...spec } }, null, 2);
}

/** Where an error about a value in `text` points (`line:column`): the first line holding `before` + the value, at the value. */
function positionOf(text: string, before: string, value: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.includes(before + value));
  const line = lines[index] ?? '';
  return `${index + 1}:${line.indexOf(before + value) + before.length + 1}`;
}

const CUSTOMER_SECRET = ['"customerSecret": ', '{'] as const;

/** The scenario's environment without the operator's AGORACTL_ENDPOINTS. */
function withoutOperatorEndpoints(s: Scenario): Record<string, string> {
  return Object.fromEntries(Object.entries(s.env).filter(([name]) => name !== 'AGORACTL_ENDPOINTS'));
}

function agoractl(s: Scenario, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli([...args, '-f', s.dir, '--state', s.statePath], { env });
}

/** The folder next to the manifest folder: outside it, on the same machine. */
function outsideOf(s: Scenario): string {
  return join(dirname(s.dir), 'outside');
}

void describe('plan on untrusted manifests', { timeout: 600_000 }, () => {
  void test('a file secret that escapes the manifest folder is refused at its field and nothing reaches the endpoint the manifest names', async () => {
    const server = await startScriptedServer((_request, response) => json(response, 500));
    try {
      await Scenario.run({}, async (s) => {
        const project = projectWith({ customerSecret: { file: '../../../../etc/hostname' }, endpoints: [server.url] });
        await s.write({ 'project.yaml': project, 'players.yaml': playerDoc('a') });
        const planned = await agoractl(s, ['plan'], withoutOperatorEndpoints(s));
        assertExit(planned, 1, 'plan with a secret outside the folder');
        assert.match(planned.stderr, new RegExp(`project\\.yaml:${positionOf(project, ...CUSTOMER_SECRET)}: spec\\.customerSecret: secret file \\.\\./\\.\\./\\.\\./\\.\\./etc/hostname is outside the manifest folder`));
        assert.equal(server.connections(), 0, 'no connection reached the server the manifest names');
        assert.deepEqual(server.requests, []);
        const hostname = (await readFile('/etc/hostname', 'utf8').catch(() => '')).trim();
        if (hostname.length >= 6) assert.ok(!`${planned.stdout}${planned.stderr}`.includes(hostname), 'the file content is in no output');
      });
    } finally {
      await server.close();
    }
  });

  void test('a link inside the manifest folder that points outside is refused by plan and reconcile, before any call', () =>
    Scenario.run({}, async (s) => {
      // The link's target holds the real secret: were it read, plan would succeed.
      await writeFiles(outsideOf(s), { 'customer-secret': s.env.AGORA_CUSTOMER_SECRET ?? '' });
      const project = projectWith({ customerSecret: { file: 'customer-secret' } });
      await s.write({ 'project.yaml': project, 'players.yaml': playerDoc('a') });
      await symlink(join(outsideOf(s), 'customer-secret'), join(s.dir, 'customer-secret'));

      const planned = await s.plan();
      assertExit(planned, 1, 'plan through a link outside');
      assert.match(planned.stderr, new RegExp(`project\\.yaml:${positionOf(project, ...CUSTOMER_SECRET)}: spec\\.customerSecret: secret file customer-secret is outside the manifest folder`));
      const reconciled = await s.agoractl(['reconcile']);
      assertExit(reconciled, 1, 'reconcile through a link outside');
      assert.match(reconciled.stderr, /spec\.customerSecret: secret file customer-secret is outside the manifest folder/);
      assert.deepEqual(await s.requests(), [], 'Agora was not called');
      await assertNoSecrets(s, planned, reconciled);
    }));

  void test('an absolute path outside is refused; the operator allows its folder with --allow-secret-dir or AGORACTL_SECRET_DIRS', () =>
    Scenario.run({}, async (s) => {
      const outside = outsideOf(s);
      await writeFiles(outside, { 'customer-secret': `${s.env.AGORA_CUSTOMER_SECRET ?? ''}\n` });
      const project = projectWith({ customerSecret: { file: join(outside, 'customer-secret') } });
      await s.write({ 'project.yaml': project, 'players.yaml': playerDoc('a') });

      const refused = await s.plan();
      assertExit(refused, 1, 'plan with an absolute path outside');
      assert.match(refused.stderr, new RegExp(`project\\.yaml:${positionOf(project, ...CUSTOMER_SECRET)}: spec\\.customerSecret: secret file .*customer-secret is outside the manifest folder`));
      assert.deepEqual(await s.requests(), [], 'Agora was not called');

      assertExit(await s.apply(['--allow-secret-dir', outside]), 0, 'apply with the folder allowed by flag');
      await assertPlayers(s, ['a']);
      const planned = await agoractl(s, ['plan', '--detailed-exitcode'], { ...s.env, AGORACTL_SECRET_DIRS: outside });
      assertExit(planned, 0, 'plan with the folder allowed by AGORACTL_SECRET_DIRS');
      assert.match(planned.stdout, /No changes\./);
    }));

  void test("a manifest's endpoint that is plain http off this machine, or https without --allow-manifest-endpoints, is refused at its line", () =>
    Scenario.run({}, async (s) => {
      const plain = projectWith({ endpoints: ['http://agora-proxy.example.com:8080'] });
      await s.write({ 'project.yaml': plain, 'players.yaml': playerDoc('a') });
      const env = withoutOperatorEndpoints(s);
      for (const extra of [[], ['--allow-manifest-endpoints']]) {
        const refused = await agoractl(s, ['plan', ...extra], env);
        assertExit(refused, 1, `plan ${extra.join(' ')} with a plain http endpoint`);
        assert.match(refused.stderr, new RegExp(`project\\.yaml:${positionOf(plain, '', '"http://agora-proxy')}: spec\\.endpoints\\[0\\]: project "prod": endpoint http://agora-proxy\\.example\\.com:8080 is plain http`));
      }

      const https = projectWith({ endpoints: ['https://agora-proxy.example.com'] });
      await s.write({ 'project.yaml': https });
      const refused = await agoractl(s, ['apply', '--auto-approve'], env);
      assertExit(refused, 1, 'apply with an https endpoint not allowed');
      assert.match(refused.stderr, /spec\.endpoints\[0\]: project "prod": endpoint https:\/\/agora-proxy\.example\.com would receive the project's credentials; .*--allow-manifest-endpoints/);
      assert.deepEqual((await s.world()).players, []);
    }));

  void test("the operator's AGORACTL_ENDPOINTS replaces a manifest's endpoints, which are then never called", () =>
    Scenario.run({ 'players.yaml': playerDoc('a') }, async (s) => {
      await s.write({ 'project.yaml': projectWith({ endpoints: ['https://agora-proxy.example.com', 'http://agora-proxy.example.com'] }) });
      assertExit(await s.apply(), 0, 'apply through AGORACTL_ENDPOINTS');
      await assertPlayers(s, ['a']);
    }));

  void test('a loopback endpoint in a manifest and a secret file inside the manifest folder are used', () =>
    Scenario.run({ 'players.yaml': docs(playerDoc('a'), playerDoc('b')) }, async (s) => {
      await s.write({
        'project.yaml': projectWith({ customerSecret: { file: 'secrets/customer-secret' }, endpoints: [s.emu.handle.url] }),
        'secrets/customer-secret': `${s.env.AGORA_CUSTOMER_SECRET ?? ''}\n`,
      });
      assertExit(await agoractl(s, ['apply', '--auto-approve'], withoutOperatorEndpoints(s)), 0, 'apply to a loopback endpoint from the manifest');
      await assertPlayers(s, ['a', 'b']);
    }));
});
