// Valid manifests become the desired state: every kind with every field, where each document
// came from, its identity, and agoractl's own defaults. No credentials are needed for that.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadManifests, documentKey } from '../../src/manifest/index.ts';
import type { CloudPlayerDoc, OriginSiteDoc } from '../../src/manifest/index.ts';
import { tempFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

const complete = join('test/manifest/fixtures/complete');

describe('valid manifests', () => {
  test('the examples in manifests/ validate: one of each kind', async () => {
    const { errors, desired } = await loadManifests(['manifests/'], builtInManifestKinds());
    assert.deepEqual(errors, []);
    assert.deepEqual(
      [...desired.projects, ...desired.resources].map((doc) => doc.key).sort(),
      [
        'prod/CloudPlayer/class32-intro-video',
        'prod/CloudPlayer/class32-teacher',
        'prod/CloudRecording/class32-archive',
        'prod/OriginSite/live',
        'prod/Project/prod',
      ],
    );
  });

  test('every kind with every documented field set validates, without any credential in the environment', async () => {
    const { errors, desired } = await loadManifests([complete], builtInManifestKinds());
    assert.deepEqual(errors, []);
    assert.deepEqual(
      desired.projects.map((doc) => doc.key),
      ['complete/Project/complete'],
    );
    assert.deepEqual(
      desired.resources.map((doc) => doc.key),
      [
        'complete/OriginSite/live',
        'complete/OriginSite/lectures',
        'complete/CloudPlayer/lecture_hall-1',
        'complete/CloudPlayer/lecture_hall-1-slides',
        'complete/CloudRecording/hall-composite',
        'complete/CloudRecording/hall-individual',
        'complete/CloudRecording/hall-web-page',
      ],
    );
  });

  test('each document carries its file and the position of its first line', async () => {
    const { desired } = await loadManifests([complete], builtInManifestKinds());
    const slides = desired.resources.find((doc) => doc.metadata.name === 'lecture_hall-1-slides');
    assert.deepEqual(slides?.source, { file: join(complete, 'players.yaml'), line: 40, column: 1 });
    assert.deepEqual(desired.projects[0]?.source, { file: join(complete, 'project.yaml'), line: 3, column: 1 });
  });

  test('values keep their YAML types: quoted strings stay strings, numbers stay numbers', async () => {
    const { desired } = await loadManifests([complete], builtInManifestKinds());
    const player = desired.resources.find((doc): doc is CloudPlayerDoc => doc.kind === 'CloudPlayer' && doc.metadata.name === 'lecture_hall-1');
    assert.equal(player?.spec.uid, 4294967295);
    assert.equal(player?.spec.seekPosition, 12.5);
    assert.equal(player?.spec.channelName, 'Lecture hall #1 (main)');
    assert.equal(player?.spec.streamUrl, 'https://media.example.com/lectures/1.m3u8?token=abc&quality=hd');
    assert.deepEqual(player?.spec.encryptKdfSalt, { file: 'secrets/salt' });
  });

  test("agoractl's own defaults are filled in; Agora's are left to Agora", async () => {
    const folder = await tempFolder();
    try {
      const file = await folder.write(
        'minimal.yaml',
        `apiVersion: agoractl/v1
kind: Project
metadata: { name: prod }
spec: { appId: { env: A }, customerId: { env: B }, customerSecret: { env: C } }
---
apiVersion: agoractl/v1
kind: CloudPlayer
metadata: { name: p, project: prod }
spec: { region: na, channelName: c, uid: 1, streamUrl: "rtmp://o.example.com/l/s" }
---
apiVersion: agoractl/v1
kind: OriginSite
metadata: { name: live, project: prod }
spec: { enabled: true }
`,
      );
      const { errors, desired } = await loadManifests([file], builtInManifestKinds());
      assert.deepEqual(errors, []);
      assert.equal(desired.projects[0]?.spec.domain, 'api.agora.io');
      const player = desired.resources.find((doc): doc is CloudPlayerDoc => doc.kind === 'CloudPlayer');
      assert.equal(player?.spec.restartPolicy, 'Always');
      assert.equal(player?.spec.idleTimeout, undefined, 'Agora applies its own idleTimeout default');
      const site = desired.resources.find((doc): doc is OriginSiteDoc => doc.kind === 'OriginSite');
      assert.equal(site?.spec.deletionPolicy, 'Orphan');
    } finally {
      await folder.remove();
    }
  });

  test('empty documents and comment-only files are skipped', async () => {
    const folder = await tempFolder();
    try {
      await folder.write('comments.yaml', '# nothing here yet\n');
      await folder.write(
        'players.yml',
        `---
# leading separator and an empty document
---
apiVersion: agoractl/v1
kind: Project
metadata: { name: prod }
spec: { appId: { env: A }, customerId: { env: B }, customerSecret: { env: C } }
---
`,
      );
      const { errors, desired } = await loadManifests([folder.path], builtInManifestKinds());
      assert.deepEqual(errors, []);
      assert.deepEqual(desired.projects.map((doc) => doc.source.line), [4]);
    } finally {
      await folder.remove();
    }
  });

  test('documentKey is project/kind/name, and a Project is its own project', () => {
    assert.equal(documentKey({ kind: 'CloudPlayer', metadata: { name: 'class32-101', project: 'prod' } }), 'prod/CloudPlayer/class32-101');
    assert.equal(documentKey({ kind: 'Project', metadata: { name: 'prod' } }), 'prod/Project/prod');
  });
});
