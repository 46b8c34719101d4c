// A kind registered from one module (test/kinds/widget.ts) goes through validate, plan, apply
// and the daemon's notification routing with no other file knowing it: the seam is whole.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../src/clock.ts';
import { loadManifests } from '../../src/manifest/index.ts';
import { loadDesired, projectRuntimes } from '../../src/cli/session.ts';
import { applyPass, planPass, type ReconcileScope } from '../../src/engine/reconcile.ts';
import { notificationMatch } from '../../src/daemon/notification-routing.ts';
import { builtInKinds } from '../../src/resources/builtin.ts';
import { KindRegistry } from '../../src/resources/registry.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import { createWidgetModule, WIDGET_PRODUCT_ID, WidgetService } from '../kinds/widget.ts';

const PROJECT = `apiVersion: agoractl/v1
kind: Project
metadata:
  name: prod
spec:
  appId: { env: AGORA_APP_ID }
  customerId: { env: AGORA_CUSTOMER_ID }
  customerSecret: { env: AGORA_CUSTOMER_SECRET }
`;
const ENV = { AGORA_APP_ID: '970ca35de60c44645bbae8a215061b33', AGORA_CUSTOMER_ID: 'customer', AGORA_CUSTOMER_SECRET: 'customer-secret' };

function widgets(...specs: [string, number][]): string {
  return specs.map(([name, size]) => `apiVersion: agoractl/v1\nkind: Widget\nmetadata:\n  name: ${name}\n  project: prod\nspec:\n  size: ${size}\n`).join('---\n');
}

void describe('a kind registered from a single module', async () => {
  const service = new WidgetService();
  const kinds = new KindRegistry([...(await builtInKinds()).all(), createWidgetModule(service)]);
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-kind-'));
  const files = [join(dir, 'project.yaml'), join(dir, 'widgets.yaml')];
  await writeFile(files[0] ?? '', PROJECT);
  const store = await openFileStateStore(join(dir, 'state.json'));
  const logger = pino({ level: 'silent' });

  /** One plan and apply of the manifests as they are on disk, as `agoractl apply` runs them. */
  async function reconcile() {
    const loaded = await loadDesired(files, ENV, {}, kinds.manifestKinds());
    const projects = projectRuntimes(loaded.projects, { env: ENV, logger, clock: systemClock, endpoints: ['http://127.0.0.1:9'] });
    const scope: ReconcileScope = { modules: kinds.all(), desired: loaded.desired, resolvedSpecs: loaded.resolvedSpecs, projects, clock: systemClock, logger };
    try {
      const pass = await planPass(scope, Object.values((await store.load()).resources));
      const result = await applyPass(scope, store, pass);
      return { plan: pass.plan, result };
    } finally {
      await Promise.all([...projects.values()].map((p) => p.client.close()));
    }
  }

  const sizes = () => [...service.widgets.values()].map((w) => `${w.name}:${w.size}`).sort();

  void test('validate checks its documents against its schema, naming file, line and field', async () => {
    await writeFile(files[1] ?? '', widgets(['small', 2], ['huge', 99]));
    const { errors } = await loadManifests(files, kinds.manifestKinds());
    assert.deepEqual(
      errors.map((e) => [e.file.endsWith('widgets.yaml'), e.line, e.path]),
      [[true, 15, 'spec.size']],
    );
  });

  void test('its quota is checked across documents like a built-in kind’s', async () => {
    const many = widgets(...Array.from({ length: 51 }, (_, i): [string, number] => [`w${i}`, 1]));
    await writeFile(files[1] ?? '', many);
    const { errors } = await loadManifests(files, kinds.manifestKinds());
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /at most 50 widgets/);
  });

  void test('plan and apply create, update and delete it, writing each intent before its call', async () => {
    const intents: string[] = [];
    service.onSent = async (name) => {
      const pending = (await store.load()).resources[resourceKey('prod', 'Widget', name)]?.pending;
      intents.push(`${name}:${pending?.action ?? 'none'}`);
    };
    await writeFile(files[1] ?? '', widgets(['small', 2], ['big', 8]));
    const first = await reconcile();
    assert.deepEqual(first.plan.actions.map((a) => `${a.type} ${a.key}`), ['create prod/Widget/big', 'create prod/Widget/small']);
    assert.deepEqual(first.result.failed, []);
    assert.deepEqual(sizes(), ['big:8', 'small:2']);
    assert.deepEqual(intents.sort(), ['big:create', 'small:create']);

    assert.deepEqual((await reconcile()).plan.actions, [], 'nothing left to do');

    await writeFile(files[1] ?? '', widgets(['small', 3]));
    const second = await reconcile();
    assert.deepEqual(second.plan.actions.map((a) => `${a.type} ${a.key}`), ['delete prod/Widget/big', 'update prod/Widget/small']);
    assert.deepEqual(sizes(), ['small:3']);
    assert.deepEqual(intents.sort(), ['big:create', 'big:delete', 'small:create', 'small:update']);
    const state = (await store.load()).resources;
    assert.deepEqual(Object.keys(state), ['prod/Widget/small']);
    assert.equal(state['prod/Widget/small']?.pending, undefined, 'every outcome was recorded');
  });

  void test('the daemon routes its notifications to the widget they name', async () => {
    const state = (await store.load()).resources;
    const record = state['prod/Widget/small'];
    assert.ok(record?.externalId);
    const target = kinds.notificationTarget({ productId: WIDGET_PRODUCT_ID, eventType: 1, payload: { widgetId: record.externalId } });
    assert.deepEqual(target, { kind: 'Widget', externalId: record.externalId, eventType: 1 });
    const match = notificationMatch({ project: 'prod', target });
    assert.equal(match(resourceKey('prod', 'Widget', 'small'), record), true);
    assert.equal(match(resourceKey('prod', 'Widget', 'other'), undefined), false);
    assert.equal(match(resourceKey('prod', 'CloudPlayer', 'small'), { ...record, kind: 'CloudPlayer' }), false, 'never another kind with the same id');
    assert.equal(kinds.notificationTarget({ productId: 4, eventType: 1, payload: { widgetId: record.externalId } })?.kind, undefined);
  });

  void test('cleanup', async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});
