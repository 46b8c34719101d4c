import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDesired } from '../../src/cli/session.ts';
import { tempFolder } from './helpers.ts';

const PROJECT = `apiVersion: agoractl/v1
kind: Project
metadata: { name: prod }
spec:
  appId: { env: AGORA_APP_ID }
  customerId: { env: AGORA_CUSTOMER_ID }
  customerSecret: { env: AGORA_CUSTOMER_SECRET }
  appCertificate: { env: AGORA_APP_CERTIFICATE }
`;

function player(name: string, streamUrl = `rtmp://origin.example.com/live/${name}`, encryptKey = 'ENCRYPT_KEY'): string {
  return `apiVersion: agoractl/v1
kind: CloudPlayer
metadata: { name: ${name}, project: prod }
spec:
  region: na
  channelName: c1
  uid: ${name === 'a' ? 101 : 102}
  streamUrl: ${streamUrl}
  token: { generate: true }
  encryptMode: aes-128-xts
  encryptKey: { env: ${encryptKey} }
`;
}

const ENV = { AGORA_APP_ID: '0123456789abcdef0123456789abcdef', AGORA_CUSTOMER_ID: 'id', AGORA_CUSTOMER_SECRET: 'secret-1', AGORA_APP_CERTIFICATE: 'cert-1', ENCRYPT_KEY: 'key-1', OTHER_KEY: 'key-1' };

/** The digest of manifests written as `files`, loaded with `env`. */
async function digestOf(files: Record<string, string>, env: Record<string, string> = ENV): Promise<string> {
  const folder = await tempFolder();
  try {
    for (const [name, text] of Object.entries(files)) await folder.write(name, text);
    return (await loadDesired([folder.path], env)).manifestDigest;
  } finally {
    await folder.remove();
  }
}

describe('manifest digest', () => {
  test('is a sha256 of what the documents ask for', async () => {
    assert.match(await digestOf({ 'all.yaml': `${PROJECT}---\n${player('a')}` }), /^sha256:[0-9a-f]{64}$/);
  });

  test('is the same however the documents are spread over files, ordered, commented or formatted', async () => {
    const one = await digestOf({ 'all.yaml': `${PROJECT}---\n${player('a')}---\n${player('b')}` });
    const spread = await digestOf({
      'b.yaml': `# b first\n${player('b')}`,
      'a.yaml': player('a').replace('{ name: a, project: prod }', '\n  project: prod\n  name: a'),
      'project.yaml': `\n\n${PROJECT}`,
    });
    assert.equal(spread, one);
    // Defaults are applied before hashing: spelling one out changes nothing apply would do.
    const spelt = await digestOf({ 'all.yaml': `${PROJECT}---\n${player('a')}  restartPolicy: Always\n---\n${player('b')}` });
    assert.equal(spelt, one);
  });

  test('is the same whatever the secrets hold: their values are read after, and never into it', async () => {
    const files = { 'all.yaml': `${PROJECT}---\n${player('a')}` };
    assert.equal(await digestOf(files, { ...ENV, AGORA_CUSTOMER_SECRET: 'secret-2', ENCRYPT_KEY: 'key-2' }), await digestOf(files));
  });

  const changes: { reason: string; files: Record<string, string> }[] = [
    { reason: 'a field of a spec', files: { 'all.yaml': `${PROJECT}---\n${player('a', 'rtmp://origin.example.com/live/moved')}` } },
    { reason: 'a secret reference', files: { 'all.yaml': `${PROJECT}---\n${player('a', undefined, 'OTHER_KEY')}` } },
    { reason: 'a document more', files: { 'all.yaml': `${PROJECT}---\n${player('a')}---\n${player('b')}` } },
    { reason: 'a default spelt out with another value', files: { 'all.yaml': `${PROJECT}---\n${player('a')}  restartPolicy: Never\n` } },
  ];
  for (const row of changes) {
    test(`changes with ${row.reason}`, async () => {
      assert.notEqual(await digestOf(row.files), await digestOf({ 'all.yaml': `${PROJECT}---\n${player('a')}` }));
    });
  }
});
