// resolveSecrets: references become values for the commands that call Agora; what is missing
// is reported at its field, and no value ever appears in an error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadManifests, resolveSecrets, ErrorCode } from '../../src/manifest/index.ts';
import type { ResolvedResourceDoc } from '../../src/manifest/index.ts';
import { tempFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

const complete = join('test/manifest/fixtures/complete');

const ENV = {
  COMPLETE_APP_CERTIFICATE: 'certificate-value',
  COMPLETE_NOTIFICATION_SECRET: 'notification-value',
  LECTURE_TOKEN: 'lecture-token-value',
  LECTURE_KEY: 'lecture-key-value',
  CHANNEL_KEY: 'channel-key-value',
  CHANNEL_SALT: 'channel-salt-value',
  STORAGE_ACCESS_KEY: 'storage-access-value',
  STORAGE_STS_TOKEN: 'sts-value',
  OSS_KEY: 'oss-key-value',
  OSS_SECRET: 'oss-secret-value',
  S3_KEY: 's3-key-value',
  S3_SECRET: 's3-secret-value',
};

function byName(resources: ResolvedResourceDoc[], name: string): ResolvedResourceDoc {
  const doc = resources.find((candidate) => candidate.metadata.name === name);
  assert.ok(doc, `no resource ${name}`);
  return doc;
}

describe('resolveSecrets', () => {
  test('replaces every env and file reference with its value; files are read relative to the manifest, without the final newline', async () => {
    const { desired } = await loadManifests([complete], builtInManifestKinds());
    const { resolved, errors } = await resolveSecrets(desired, ENV);
    assert.deepEqual(errors, []);
    const project = resolved.projects[0];
    assert.equal(project?.spec.appId, '0123456789abcdef0123456789abcdef');
    assert.equal(project?.spec.customerId, 'customer-id-from-file');
    assert.equal(project?.spec.customerSecret, 'customer-secret-from-file');
    assert.equal(project?.spec.appCertificate, 'certificate-value');
    assert.equal(project?.spec.notifications?.secret, 'notification-value');

    const player = byName(resolved.resources, 'lecture_hall-1');
    assert.equal(player.kind, 'CloudPlayer');
    if (player.kind !== 'CloudPlayer') return;
    assert.equal(player.spec.token, 'lecture-token-value');
    assert.equal(player.spec.encryptKey, 'lecture-key-value');
    assert.equal(player.spec.encryptKdfSalt, 'c2FsdC1mb3ItdGhlLWdjbTItbW9kZXMtMzJieXRlcw==');

    const slides = byName(resolved.resources, 'lecture_hall-1-slides');
    assert.deepEqual(slides.kind === 'CloudPlayer' ? slides.spec.token : undefined, { generate: true }, 'a generated token is left for the engine to mint');

    const recording = byName(resolved.resources, 'hall-composite');
    if (recording.kind !== 'CloudRecording') assert.fail('hall-composite is a CloudRecording');
    assert.equal(recording.spec.storageConfig.accessKey, 'storage-access-value');
    assert.equal(recording.spec.storageConfig.secretKey, 'storage-secret-from-file');
    assert.equal(recording.spec.recordingConfig?.secret, 'channel-key-value');
  });

  test('leaves the desired state itself untouched', async () => {
    const { desired } = await loadManifests([complete], builtInManifestKinds());
    await resolveSecrets(desired, ENV);
    assert.deepEqual(desired.projects[0]?.spec.customerSecret, { file: 'secrets/customer-secret' });
  });

  test('a missing or empty environment variable and an unreadable file are errors at their fields, and no value is in any error', async () => {
    const folder = await tempFolder();
    try {
      const file = await folder.write(
        'project.yaml',
        `apiVersion: agoractl/v1
kind: Project
metadata: { name: prod }
spec:
  appId: { env: APP_ID }
  customerId: { env: CUSTOMER_ID }
  customerSecret: { file: missing/secret.txt }
  appCertificate: { env: EMPTY_CERTIFICATE }
`,
      );
      await folder.write('empty.txt', '\n');
      const { desired } = await loadManifests([file], builtInManifestKinds());
      const env = { APP_ID: '0123456789abcdef0123456789abcdef', EMPTY_CERTIFICATE: '' };
      const { errors } = await resolveSecrets(desired, env);
      assert.deepEqual(errors, [
        { file, line: 6, column: 15, path: 'spec.customerId', message: 'environment variable CUSTOMER_ID is not set', code: ErrorCode.SecretMissing },
        { file, line: 7, column: 19, path: 'spec.customerSecret', message: 'cannot read secret file missing/secret.txt (ENOENT)', code: ErrorCode.SecretUnreadable },
        { file, line: 8, column: 19, path: 'spec.appCertificate', message: 'environment variable EMPTY_CERTIFICATE is empty', code: ErrorCode.SecretMissing },
      ]);
      assert.doesNotMatch(JSON.stringify(errors), /0123456789abcdef/);
    } finally {
      await folder.remove();
    }
  });

  test('an empty secret file is an error', async () => {
    const folder = await tempFolder();
    try {
      await folder.write('secrets/empty', '\n');
      const file = await folder.write(
        'project.yaml',
        'apiVersion: agoractl/v1\nkind: Project\nmetadata: { name: prod }\nspec:\n  appId: { env: A }\n  customerId: c\n  customerSecret: { file: secrets/empty }\n',
      );
      const { desired } = await loadManifests([file], builtInManifestKinds());
      const { errors } = await resolveSecrets(desired, { A: '0123456789abcdef0123456789abcdef' });
      assert.deepEqual(
        errors.map((error) => [error.line, error.path, error.code, error.message]),
        [[7, 'spec.customerSecret', ErrorCode.SecretUnreadable, 'secret file secrets/empty is empty']],
      );
    } finally {
      await folder.remove();
    }
  });
});
