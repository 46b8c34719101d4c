import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildPlan, DESTROY_REASON, PLAN_ERROR, type PlanInput } from '../../src/engine/plan.ts';
import { renderPlan, NO_CHANGES } from '../../src/engine/render-plan.ts';
import { createCloudPlayerModule } from '../../src/resources/cloud-player/index.ts';
import { playerHash } from '../../src/resources/cloud-player/model.ts';
import type { DesiredResource, KindObservation, ObservedResource } from '../../src/resources/kind.ts';
import type { ResourceState } from '../../src/state/types.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const NOW = 1_800_000_000_000;
const players = createCloudPlayerModule();

function spec(name: string): Record<string, unknown> {
  return { region: 'na', channelName: 'c1', uid: Number(name.replace(/\D/g, '')) || 1, streamUrl: `rtmp://o/${name}` };
}
function desiredPlayer(name: string): DesiredResource {
  return { key: resourceKey('prod', 'CloudPlayer', name), project: 'prod', kind: 'CloudPlayer', name, spec: spec(name) };
}
function listed(name: string, id = `id-${name}`): ObservedResource {
  const s = spec(name);
  return { name, externalId: id, status: 'running', fields: { channelName: s.channelName, uid: s.uid, streamUrl: s.streamUrl, status: 'running' } };
}
function owned(name: string): ResourceState {
  return {
    key: resourceKey('prod', 'CloudPlayer', name),
    project: 'prod',
    kind: 'CloudPlayer',
    name,
    externalId: `id-${name}`,
    specHash: playerHash(spec(name)),
    data: { region: 'na', channelName: 'c1', sequence: 0, applied: { streamUrl: spec(name).streamUrl }, createdAt: NOW - 60_000 },
    updatedAt: NOW - 60_000,
  };
}
function input(d: DesiredResource[], o: ObservedResource[], s: ResourceState[], extra: Partial<PlanInput> = {}): PlanInput {
  const observation: KindObservation = { resources: new Map(o.map((r) => [r.name, r])), quotaUsed: o.length, calls: 1 };
  return {
    modules: [players],
    desired: d,
    observed: new Map([['prod', new Map([['CloudPlayer', observation]])]]),
    state: s,
    quotas: new Map([['prod', { playersPerProject: 50 }]]),
    now: NOW,
    ...extra,
  };
}
const names = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `p${from + i + 1}`);

describe('plan', () => {
  test('holds the free quota per project and kind, the observation time and the basis it is given: apply needs nothing beside it', () => {
    const basis = { manifestDigest: `sha256:${'ab'.repeat(32)}`, stateLineage: 'lineage-1', stateSerial: 7 };
    const plan = buildPlan(input([desiredPlayer('p1')], [listed('other1'), listed('other2')], [], { quotas: new Map([['prod', { playersPerProject: 5 }], ['staging', { playersPerProject: null }]]), basis }));
    assert.deepEqual(JSON.parse(JSON.stringify(plan.quotaFree)), { prod: { CloudPlayer: 3 }, staging: { CloudPlayer: null } });
    assert.equal(plan.observedAt, NOW);
    assert.deepEqual(plan.basis, basis);
    assert.equal(buildPlan(input([], [], [])).basis, undefined, 'no basis unless given');
  });

  test('an applied project plans no changes and says so', () => {
    const all = names(3);
    const plan = buildPlan(input(all.map(desiredPlayer), all.map((n) => listed(n)), all.map(owned)));
    assert.deepEqual(plan.actions, []);
    assert.equal(renderPlan(plan), NO_CHANGES);
  });

  test('deletes come before creates, whatever the names', () => {
    const plan = buildPlan(input([desiredPlayer('a1')], [listed('z9')], [owned('z9')]));
    assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.name}`), ['delete z9', 'create a1']);
  });

  test('a player in Agora that agoractl never made is reported as unmanaged and left alone', () => {
    const plan = buildPlan(input([], [listed('stranger')], []));
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.unmanaged, [{ project: 'prod', kind: 'CloudPlayer', name: 'stranger', externalId: 'id-stranger' }]);
    assert.match(renderPlan(plan), /Not managed by agoractl \(left alone\): 1/);
  });

  test('a plan that would need more players than the quota is refused', () => {
    const plan = buildPlan(input(names(3).map(desiredPlayer), names(48, 10).map((n) => listed(n)), []));
    assert.deepEqual(plan.errors.map((e) => e.code), [PLAN_ERROR.quotaExceeded]);
  });

  test('deletes that make room let the same plan create up to the quota', () => {
    const old = names(2, 100);
    const plan = buildPlan(input(names(2).map(desiredPlayer), [...names(48, 10).map((n) => listed(n)), ...old.map((n) => listed(n))], old.map(owned), { allowMassDelete: true }));
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(plan.actions.map((a) => a.type), ['delete', 'delete', 'create', 'create']);
  });

  test('deleting more than half of the managed players needs --allow-mass-delete', () => {
    const all = names(4);
    const refused = buildPlan(input([desiredPlayer('p1')], all.map((n) => listed(n)), all.map(owned)));
    assert.deepEqual(refused.errors.map((e) => e.code), [PLAN_ERROR.massDelete]);
    const allowed = buildPlan(input([desiredPlayer('p1')], all.map((n) => listed(n)), all.map(owned), { allowMassDelete: true }));
    assert.deepEqual(allowed.errors, []);
    assert.equal(allowed.summary.delete, 3);
  });

  test('the mass-delete guard judges the whole change, however few keys are targeted', () => {
    // 10 managed, 8 removed from the manifests: the daemon plans a few keys at a time, and each
    // small batch of deletes must be refused as the whole change is.
    const all = names(10);
    const kept = [desiredPlayer('p1'), desiredPlayer('p2')];
    const cases: { reason: string; targets: string[]; refused: boolean }[] = [
      { reason: 'one removed player, as the daemon retries it', targets: ['prod/CloudPlayer/p3'], refused: true },
      { reason: 'two removed players, as `apply --target` names them', targets: ['CloudPlayer/p3', 'CloudPlayer/p4'], refused: true },
      { reason: 'a kept player of the same kind: the change of the kind is refused', targets: ['prod/CloudPlayer/p1'], refused: true },
      { reason: 'a resource of another kind: players are not its business', targets: ['prod/CloudRecording/r1'], refused: false },
    ];
    for (const c of cases) {
      const plan = buildPlan(input(kept, all.map((n) => listed(n)), all.map(owned), { targets: c.targets }));
      assert.deepEqual(plan.errors.map((e) => e.code), c.refused ? [PLAN_ERROR.massDelete] : [], c.reason);
      if (c.refused) assert.match(plan.errors[0]?.message ?? '', /deletes 8 of 10 managed CloudPlayer in project prod/, c.reason);
    }
    const approved = buildPlan(input(kept, all.map((n) => listed(n)), all.map(owned), { targets: ['CloudPlayer/p3'], allowMassDelete: true }));
    assert.deepEqual(approved.errors, []);
    assert.deepEqual(approved.actions.map((a) => `${a.type} ${a.name}`), ['delete p3']);
  });

  test('the guard counts only live records: a record without an external id is not managed', () => {
    // 2 live of 4 records, 1 live removed: half, not more. Were tombstones counted, 3 of 4.
    const records = [owned('p1'), owned('p2'), { ...owned('p3'), externalId: undefined }, { ...owned('p4'), externalId: undefined }];
    const plan = buildPlan(input([desiredPlayer('p1')], [listed('p1'), listed('p2')], records, { targets: ['CloudPlayer/p2'] }));
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.name}`), ['delete p2']);
  });

  test('a name given twice in the manifests is planned once, from the last document', () => {
    const second = { ...desiredPlayer('p1'), spec: { ...spec('p1'), streamUrl: 'rtmp://o/second' } };
    const plan = buildPlan(input([desiredPlayer('p1'), desiredPlayer('p2'), second], [], []));
    assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.name}`), ['create p1', 'create p2']);
    assert.deepEqual(plan.actions[0]?.changes.find((c) => c.path === 'streamUrl'), { path: 'streamUrl', after: 'rtmp://o/second' });
  });

  test('--target plans only the named resource', () => {
    const plan = buildPlan(input(names(3).map(desiredPlayer), [], [], { targets: ['CloudPlayer/p2'] }));
    assert.deepEqual(plan.actions.map((a) => a.name), ['p2']);
  });

  test('the rendered plan uses Terraform notation and a summary line', () => {
    const plan = buildPlan(input([desiredPlayer('a1')], [listed('z9')], [owned('z9')]));
    const text = renderPlan(plan);
    assert.match(text, /\+ CloudPlayer "a1"/);
    assert.match(text, /- CloudPlayer "z9"/);
    assert.match(text, /Plan: 1 to create, 0 to update, 0 to replace, 1 to delete\./);
  });
  test('destroy plans the selected resources in state as removed, and nothing else', () => {
    // p1..p3 managed; p4 in the manifests but never recorded, though a player of its name exists.
    const recorded = names(3);
    const desired = names(4).map(desiredPlayer);
    const observed = names(4).map((n) => listed(n));
    const confirmed = { destroy: { confirmedProjects: ['prod'] } };
    // unmanaged: what the plan shows and leaves alone; a player of a name not destroyed is no stranger.
    const cases: { reason: string; extra: Partial<PlanInput>; actions: string[]; unmanaged: string[]; refused: boolean }[] = [
      { reason: 'every managed player, once the project is confirmed', extra: confirmed, actions: ['delete p1', 'delete p2', 'delete p3'], unmanaged: ['p4'], refused: false },
      { reason: 'a target: only that player', extra: { ...confirmed, targets: ['CloudPlayer/p2'] }, actions: ['delete p2'], unmanaged: [], refused: false },
      { reason: 'a target in the manifests but not in state: nothing', extra: { ...confirmed, targets: ['CloudPlayer/p4'] }, actions: [], unmanaged: ['p4'], refused: false },
      { reason: 'unconfirmed: the guard refuses emptying the project', extra: { destroy: { confirmedProjects: [] } }, actions: ['delete p1', 'delete p2', 'delete p3'], unmanaged: ['p4'], refused: true },
      { reason: "apply's --allow-mass-delete does not confirm a destroy", extra: { destroy: { confirmedProjects: ['staging'] }, allowMassDelete: true }, actions: ['delete p1', 'delete p2', 'delete p3'], unmanaged: ['p4'], refused: true },
      { reason: 'one targeted of three is no mass delete', extra: { destroy: { confirmedProjects: [] }, targets: ['CloudPlayer/p1'] }, actions: ['delete p1'], unmanaged: [], refused: false },
    ];
    for (const c of cases) {
      const plan = buildPlan(input(desired, observed, recorded.map(owned), c.extra));
      assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.name}`), c.actions, c.reason);
      assert.deepEqual(plan.errors.map((e) => e.message), c.refused ? ['the plan deletes 3 of 3 managed CloudPlayer in project prod; rerun with --confirm-project prod if that is intended'] : [], c.reason);
      assert.ok(plan.actions.every((a) => a.reason.startsWith(DESTROY_REASON)), c.reason);
      assert.deepEqual(plan.unmanaged.map((u) => u.name), c.unmanaged, c.reason);
    }
  });
});

describe('plan properties', () => {
  const world = fc.record({
    desired: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
    observed: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
    owned: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
  });
  const build = (w: { desired: number[]; observed: number[]; owned: number[] }) =>
    buildPlan(
      input(
        w.desired.map((i) => desiredPlayer(`p${i}`)),
        w.observed.map((i) => listed(`p${i}`)),
        w.owned.map((i) => owned(`p${i}`)),
        { allowMassDelete: true, quotas: new Map([['prod', { playersPerProject: null }]]) },
      ),
    );

  test('never deletes, replaces or updates a player agoractl does not own', () => {
    fc.assert(
      fc.property(world, (w) => {
        const ownedNames = new Set(w.owned.map((i) => `p${i}`));
        for (const a of build(w).actions) {
          if (['delete', 'replace', 'update'].includes(a.type)) assert.ok(ownedNames.has(a.name), `${a.type} of unowned ${a.name}`);
        }
      }),
    );
  });

  test('is deterministic and lists every delete before any create', () => {
    fc.assert(
      fc.property(world, (w) => {
        const plan = build(w);
        assert.deepEqual(build(w), plan);
        const types = plan.actions.map((a) => a.type);
        const lastDelete = types.lastIndexOf('delete');
        const firstCreate = types.indexOf('create');
        if (lastDelete >= 0 && firstCreate >= 0) assert.ok(lastDelete < firstCreate);
      }),
    );
  });

  test('at most one action per resource', () => {
    fc.assert(
      fc.property(world, (w) => {
        const keys = build(w).actions.map((a) => a.key);
        assert.equal(new Set(keys).size, keys.length);
      }),
    );
  });
});
