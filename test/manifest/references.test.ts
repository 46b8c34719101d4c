// Checks that span documents and files: project references, unique identities, quotas, users
// in a channel; and a run reports every error of every file at once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadManifests, ErrorCode } from '../../src/manifest/index.ts';
import { FIXTURES, PROJECT_FIXTURE, suiteFolder, tempFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

const fixture = (...parts: string[]): string => join('test/manifest/fixtures', ...parts);

function player(name: string, uid: number, project = 'prod', channel = 'class32'): string {
  return `apiVersion: agoractl/v1
kind: CloudPlayer
metadata: { name: ${name}, project: ${project} }
spec: { region: na, channelName: ${channel}, uid: ${uid}, streamUrl: "rtmp://origin.example.com/live/${name}" }
`;
}

function project(name: string, limits = ''): string {
  return `apiVersion: agoractl/v1
kind: Project
metadata: { name: ${name} }
spec:
  appId: { env: AGORA_APP_ID }
  customerId: { env: AGORA_CUSTOMER_ID }
  customerSecret: { env: AGORA_CUSTOMER_SECRET }
${limits}`;
}

describe('references between documents', () => {
  const folder = suiteFolder();

  test('a resource naming a project that no Project defines is refused at metadata.project, with a suggestion', async () => {
    const { errors, desired } = await loadManifests([fixture('project.yaml'), fixture('dangling')], builtInManifestKinds());
    assert.deepEqual(errors, [
      {
        file: fixture('dangling', 'player.yaml'),
        line: 5,
        column: 12,
        path: 'metadata.project',
        message: 'no Project named "prd" is defined (did you mean "prod"?)',
        code: ErrorCode.UnknownProject,
      },
    ]);
    assert.deepEqual(desired.resources, []);
  });

  test('the same identity in two files is refused in the second, naming the first', async () => {
    const { errors, desired } = await loadManifests([fixture('project.yaml'), fixture('duplicate')], builtInManifestKinds());
    assert.deepEqual(errors, [
      {
        file: fixture('duplicate', 'players-b.yaml'),
        line: 5,
        column: 9,
        path: 'metadata.name',
        message: `duplicate CloudPlayer "class32-teacher" in project "prod": first defined at ${fixture('duplicate', 'players-a.yaml')}:4:9`,
        code: ErrorCode.DuplicateResource,
      },
    ]);
    assert.deepEqual(
      desired.resources.map((doc) => [doc.key, doc.source.file]),
      [['prod/CloudPlayer/class32-teacher', fixture('duplicate', 'players-a.yaml')]],
    );
  });

  test('one name may be used in two projects, and by two kinds', async () => {
    const file = await folder.write(
      'same-name.yaml',
      [project('other'), player('shared', 1), player('shared', 1, 'other'), `apiVersion: agoractl/v1\nkind: OriginSite\nmetadata: { name: shared, project: prod }\nspec: { enabled: true }\n`].join('---\n'),
    );
    const { errors, desired } = await loadManifests([PROJECT_FIXTURE, file], builtInManifestKinds());
    assert.deepEqual(errors, []);
    assert.deepEqual(desired.resources.map((doc) => doc.key), ['prod/CloudPlayer/shared', 'other/CloudPlayer/shared', 'prod/OriginSite/shared']);
  });

  test('two Projects with one name are refused', async () => {
    const file = await folder.write('two-projects.yaml', project('prod'));
    const { errors } = await loadManifests([PROJECT_FIXTURE, file], builtInManifestKinds());
    assert.deepEqual(
      errors.map((error) => [error.file, error.line, error.path, error.code]),
      [[file, 3, 'metadata.name', ErrorCode.DuplicateResource]],
    );
    assert.match(errors[0]?.message ?? '', /^duplicate Project "prod": first defined at test\/manifest\/fixtures\/project\.yaml:5:9$/);
  });

  test('more players than the documented quota of 50 is refused at the 51st', async () => {
    const players = Array.from({ length: 51 }, (_, index) => player(`player-${index}`, index + 1));
    const file = await folder.write('fifty-one.yaml', players.join('---\n'));
    const { errors, desired } = await loadManifests([PROJECT_FIXTURE, file], builtInManifestKinds());
    assert.deepEqual(errors, [
      {
        file,
        line: 50 * 5 + 3,
        column: 19,
        path: 'metadata.name',
        message: 'project "prod" allows at most 50 cloud players (spec.limits.playersPerProject); this is number 51',
        code: ErrorCode.QuotaExceeded,
      },
    ]);
    assert.equal(desired.resources.length, 50);
  });

  test("a project's own playersPerProject sets the quota, and null lifts it", async () => {
    const small = await folder.write('small.yaml', [project('small', '  limits: { playersPerProject: 2 }\n'), player('a', 1, 'small'), player('b', 2, 'small'), player('c', 3, 'small')].join('---\n'));
    const smallRun = await loadManifests([small], builtInManifestKinds());
    assert.deepEqual(
      smallRun.errors.map((error) => [error.path, error.code, error.message]),
      [['metadata.name', ErrorCode.QuotaExceeded, 'project "small" allows at most 2 cloud players (spec.limits.playersPerProject); this is number 3']],
    );

    const players = Array.from({ length: 60 }, (_, index) => player(`player-${index}`, index + 1, 'unlimited'));
    const unlimited = await folder.write('unlimited.yaml', [project('unlimited', '  limits: { playersPerProject: null }\n'), ...players].join('---\n'));
    const unlimitedRun = await loadManifests([unlimited], builtInManifestKinds());
    assert.deepEqual(unlimitedRun.errors, []);
    assert.equal(unlimitedRun.desired.resources.length, 60);
  });

  test('two players joining one channel with one uid are refused; uid 0 lets Agora choose', async () => {
    const file = await folder.write(
      'same-uid.yaml',
      [player('first', 101), player('second', 101), player('third', 101, 'prod', 'class33'), player('auto-a', 0), player('auto-b', 0)].join('---\n'),
    );
    const { errors } = await loadManifests([PROJECT_FIXTURE, file], builtInManifestKinds());
    assert.deepEqual(
      errors.map((error) => [error.line, error.path, error.code, error.message]),
      [[9, 'spec.uid', ErrorCode.DuplicateChannelUser, `uid 101 is already used in channel "class32" by CloudPlayer "first" (${file}:3:19)`]],
    );
  });
});

describe('one run', () => {
  test('reports every error of every file at once, in file and line order', async () => {
    const { errors } = await loadManifests([
      fixture('project.yaml'),
      fixture('malformed'),
      fixture('dangling'),
      fixture('duplicate'),
      fixture('complete'),
      join(FIXTURES, 'no-such-file.yaml'),
    ], builtInManifestKinds());
    assert.deepEqual(
      errors.map((error) => [error.file, error.line, error.column, error.code]),
      [
        [join(FIXTURES, 'no-such-file.yaml'), 1, 1, ErrorCode.PathNotFound],
        [fixture('malformed', 'broken.yaml'), 4, 1, ErrorCode.YamlSyntax],
        [fixture('dangling', 'player.yaml'), 5, 12, ErrorCode.UnknownProject],
        [fixture('duplicate', 'players-b.yaml'), 5, 9, ErrorCode.DuplicateResource],
      ],
    );
  });

  test('malformed YAML is reported with its line and column, and the rest of the file is not guessed at', async () => {
    const { errors, desired } = await loadManifests([fixture('project.yaml'), fixture('malformed', 'broken.yaml')], builtInManifestKinds());
    assert.deepEqual(errors, [
      {
        file: fixture('malformed', 'broken.yaml'),
        line: 4,
        column: 1,
        path: '',
        message: 'Flow map in block collection must be sufficiently indented and end with a }',
        code: ErrorCode.YamlSyntax,
      },
    ]);
    assert.deepEqual(desired.resources, []);
  });

  test('a repeated key is a YAML error, not a silent override', async () => {
    const folder = await tempFolder();
    try {
      const file = await folder.write('repeated.yaml', 'apiVersion: agoractl/v1\nkind: CloudPlayer\nkind: Project\n');
      const { errors } = await loadManifests([file], builtInManifestKinds());
      assert.deepEqual(errors, [{ file, line: 3, column: 1, path: '', message: 'Map keys must be unique', code: ErrorCode.YamlSyntax }]);
    } finally {
      await folder.remove();
    }
  });
});
