import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { notificationSignatures } from '../../src/agora/signing.ts';
import {
  NOTICE_ID_MAX_LENGTH,
  NoticeDeduper,
  verifyNotification,
  type AgoraNotification,
  type NotificationSecret,
  type WebhookVerification,
} from '../../src/daemon/webhook.ts';
import { FakeClock } from './fake-clock.ts';
import { builtInKinds } from '../../src/resources/builtin.ts';
import type { NotificationTarget } from '../../src/resources/kind.ts';

// Agora's published test vector (Message Notification Service, "验证签名"; see test/agora/signing.test.ts).
const VECTOR_BODY =
  '{"eventMs":1560408533119,"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}';

const playerBody = JSON.stringify({
  noticeId: 'n-1',
  productId: 4,
  eventType: 3,
  notifyMs: 1_700_000_000_000,
  payload: { lts: 1, destroyReason: 'Internal Error', player: { channelName: 'class32', id: 'p-id', name: 'class32-101' } },
});

function signed(body: string, secret: string, which: 'v1' | 'v2' | 'both' = 'both'): Record<string, string> {
  const s = notificationSignatures(body, secret);
  if (which === 'v1') return { 'agora-signature': s['Agora-Signature'] };
  if (which === 'v2') return { 'agora-signature-v2': s['Agora-Signature-V2'] };
  return { 'agora-signature': s['Agora-Signature'], 'agora-signature-v2': s['Agora-Signature-V2'] };
}

interface VerifyCase {
  body: string;
  headers: Record<string, string>;
  secrets: NotificationSecret[];
  want: { ok: true; project?: string } | { ok: false; reason: string; status: number };
}

const verifyCases: Record<string, VerifyCase> = {
  "accepts Agora's published vector by its SHA-256 signature": {
    body: VECTOR_BODY,
    headers: { 'Agora-Signature-V2': '6d3320c60b11101395b7fc8f9068748808a0aa1bfa064438e39d1bc2c7d74d99' },
    secrets: ['secret'],
    want: { ok: true },
  },
  "accepts Agora's published vector by its SHA-1 signature": {
    body: VECTOR_BODY,
    headers: { 'Agora-Signature': '033c62f40f687675f17f0f41f91a40c71c0f134c' },
    secrets: ['secret'],
    want: { ok: true },
  },
  'refuses a body without signature headers as unsigned': {
    body: playerBody,
    headers: {},
    secrets: ['s3cret'],
    want: { ok: false, reason: 'unsigned', status: 401 },
  },
  'refuses an empty signature header as unsigned': {
    body: playerBody,
    headers: { 'agora-signature-v2': '' },
    secrets: ['s3cret'],
    want: { ok: false, reason: 'unsigned', status: 401 },
  },
  'refuses a body signed with another secret as forged': {
    body: playerBody,
    headers: signed(playerBody, 'not-the-secret'),
    secrets: ['s3cret'],
    want: { ok: false, reason: 'forged', status: 401 },
  },
  'refuses a body changed after signing as forged': {
    body: playerBody.replace('class32-101', 'class32-102'),
    headers: signed(playerBody, 's3cret'),
    secrets: ['s3cret'],
    want: { ok: false, reason: 'forged', status: 401 },
  },
  'refuses everything while no secret is configured': {
    body: playerBody,
    headers: signed(playerBody, 's3cret'),
    secrets: [],
    want: { ok: false, reason: 'no-secret', status: 401 },
  },
  'tells which project a tagged secret belongs to': {
    body: playerBody,
    headers: signed(playerBody, 'staging-secret', 'v2'),
    secrets: [
      { project: 'prod', secret: 'prod-secret' },
      { project: 'staging', secret: 'staging-secret' },
    ],
    want: { ok: true, project: 'staging' },
  },
  'answers 400 to a signed body that is not a notification': {
    body: '{"hello":"world"}',
    headers: signed('{"hello":"world"}', 's3cret'),
    secrets: ['s3cret'],
    want: { ok: false, reason: 'malformed', status: 400 },
  },
  'names no project when the projects whose secrets verify it share that secret (the resource tells)': {
    body: playerBody,
    headers: signed(playerBody, 'shared'),
    secrets: [{ project: 'p0', secret: 'shared' }, { project: 'p1', secret: 'shared' }],
    want: { ok: true },
  },
  'answers 400 to a signed body that is not JSON': {
    body: 'noticeId=1',
    headers: signed('noticeId=1', 's3cret'),
    secrets: ['s3cret'],
    want: { ok: false, reason: 'malformed', status: 400 },
  },
  'a signed body whose noticeId is longer than any Agora sends is malformed': {
    body: playerBody.replace('"n-1"', JSON.stringify('n'.repeat(NOTICE_ID_MAX_LENGTH + 1))),
    headers: signed(playerBody.replace('"n-1"', JSON.stringify('n'.repeat(NOTICE_ID_MAX_LENGTH + 1))), 's3cret'),
    secrets: ['s3cret'],
    want: { ok: false, reason: 'malformed', status: 400 },
  },
};

function summary(v: WebhookVerification): VerifyCase['want'] {
  if (!v.ok) return { ok: false, reason: v.reason, status: v.status };
  return v.project === undefined ? { ok: true } : { ok: true, project: v.project };
}

void describe('verifyNotification', () => {
  for (const [reason, c] of Object.entries(verifyCases)) {
    void test(reason, () => {
      assert.deepEqual(summary(verifyNotification(Buffer.from(c.body), c.headers, c.secrets)), c.want);
    });
  }
});

function notification(productId: number, eventType: number, payload: Record<string, unknown>): AgoraNotification {
  return { noticeId: 'n', productId, eventType, notifyMs: 1, payload };
}

const targetCases: Record<string, { notification: AgoraNotification; want: NotificationTarget | undefined }> = {
  'a Media Pull event names the player by its name and id': {
    notification: notification(4, 4, { lts: 1, player: { channelName: 'c1', id: 'abc', name: 'c1-7', status: 'failed' } }),
    want: { kind: 'CloudPlayer', name: 'c1-7', externalId: 'abc', eventType: 4 },
  },
  'a Media Pull event of an unnamed player still carries its id': {
    notification: notification(4, 1, { player: { channelName: 'c1', id: 'abc', status: 'connecting' } }),
    want: { kind: 'CloudPlayer', externalId: 'abc', eventType: 1 },
  },
  'a Media Pull event without a player names nothing': {
    notification: notification(4, 3, { lts: 1 }),
    want: undefined,
  },
  'a Cloud Recording event names the recording by its sid': {
    notification: notification(3, 11, { cname: 'class32', uid: '900001', sid: 'sid-1', details: { exitStatus: 1 } }),
    want: { kind: 'CloudRecording', externalId: 'sid-1', eventType: 11 },
  },
  'a recording event with a numeric uid names it too': {
    notification: notification(3, 40, { cname: 'class32', uid: 900001, sid: 'sid-1' }),
    want: { kind: 'CloudRecording', externalId: 'sid-1', eventType: 40 },
  },
  'a Cloud Recording event without sid names nothing': {
    notification: notification(3, 1, { cname: 'class32', uid: '1' }),
    want: undefined,
  },
  'other products are not ours': {
    notification: notification(1, 10, { a: '1' }),
    want: undefined,
  },
};

void describe('the kinds read which resource a notification names', async () => {
  const kinds = await builtInKinds();
  for (const [reason, c] of Object.entries(targetCases)) {
    void test(reason, () => {
      assert.deepEqual(kinds.notificationTarget(c.notification), c.want);
    });
  }
});

void describe('NoticeDeduper', () => {
  void test('drops a resent noticeId inside the window and accepts it again after', async () => {
    const clock = new FakeClock();
    const deduper = new NoticeDeduper({ clock, windowMs: 60_000 });
    assert.equal(deduper.firstSeen('a'), true);
    assert.equal(deduper.firstSeen('b'), true);
    await clock.advance(59_999);
    assert.equal(deduper.firstSeen('a'), false);
    await clock.advance(1);
    assert.equal(deduper.firstSeen('a'), true, 'the window is over');
    assert.equal(deduper.size, 1, 'expired ids are forgotten');
  });

  void test('keeps at most maxEntries ids, forgetting the oldest', () => {
    const deduper = new NoticeDeduper({ clock: new FakeClock(), maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(deduper.firstSeen(id), true);
    assert.equal(deduper.size, 3);
    assert.equal(deduper.firstSeen('d'), false);
    assert.equal(deduper.firstSeen('a'), true, 'the oldest was forgotten');
  });
});
