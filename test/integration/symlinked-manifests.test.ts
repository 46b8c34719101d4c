// A manifest file that is a symbolic link is part of the desired state: plan keeps its
// resources, and a link whose target is gone stops plan and apply instead of deleting them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Scenario, actionsOf, assertExit, assertPlayers, docs, playerDoc, projectDoc } from './harness.ts';

void describe('symlinked manifests against the emulator', { timeout: 600_000 }, () => {
  void test('plan keeps the players of a linked manifest file and refuses to run when the link breaks', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a')) }, async (s) => {
      const shared = join(s.dir, '..', 'shared');
      await mkdir(shared, { recursive: true });
      await writeFile(join(shared, 'more.yaml'), docs(playerDoc('b'), playerDoc('c')));
      await symlink(join(shared, 'more.yaml'), join(s.dir, 'more.yaml'));

      assertExit(await s.apply(), 0, 'apply with a linked manifest');
      await assertPlayers(s, ['a', 'b', 'c']);

      const { result, plan } = await s.planJson();
      assertExit(result, 0, 'plan with a linked manifest');
      assert.deepEqual(actionsOf(plan), [], 'no delete of the linked players');

      // The link's target goes away: plan and apply stop, nothing is deleted.
      await rm(join(shared, 'more.yaml'));
      const broken = await s.plan();
      assertExit(broken, 1, 'plan with a dangling manifest link');
      assert.match(broken.stderr + broken.stdout, /more\.yaml:1:1: broken symbolic link/);
      assertExit(await s.apply(), 1, 'apply with a dangling manifest link');
      await assertPlayers(s, ['a', 'b', 'c']);
    }));
});
