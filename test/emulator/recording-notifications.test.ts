// Cloud Recording notifications (productId 3) as the emulator's webhook delivers them, over
// real HTTP: the events of a recording's life with Agora's msgName strings, both signatures,
// resends, and the late / duplicated / out-of-order delivery the field notes describe
// (agora-facts.md "Notifications"; Agora's cloud recording callback page;
// agora-usage-notes-zh.txt).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyNotificationSignature } from '../../src/agora/signing.ts';
import { startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';
import { CNAME, Recordings, STORAGE, UID, clientRequestFor } from './recording-helpers.ts';

const APP = 'app-recording-events';
const SECRET = 'ncs-secret';

interface Notice {
  noticeId: string;
  productId: number;
  eventType: number;
  notifyMs: number;
  payload: { cname: string; uid: string; sid: string; sequence: number; sendts: number; serviceType: number; details: Record<string, unknown> };
}

/** Records every notification with its signature check; answers the given statuses, then 200. */
class Receiver {
  readonly notices: Notice[] = [];
  readonly signed: boolean[] = [];
  statuses: number[] = [];
  #server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      this.notices.push(JSON.parse(raw) as Notice);
      const v1 = verifyNotificationSignature(raw, { 'Agora-Signature': request.headers['agora-signature'] }, SECRET);
      const v2 = verifyNotificationSignature(raw, { 'Agora-Signature-V2': request.headers['agora-signature-v2'] }, SECRET);
      this.signed.push(v1 && v2);
      response.writeHead(this.statuses.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/ncs`;
  }

  of(sid: string): Notice[] {
    return this.notices.filter((n) => n.payload.sid === sid);
  }

  async until(what: string, condition: () => boolean, step?: () => Promise<unknown>): Promise<void> {
    // Deliveries are real HTTP posts: the deadline only bounds a broken run.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (condition()) return;
      await step?.();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  clear(): void {
    this.notices.length = 0;
    this.signed.length = 0;
    this.statuses = [];
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

void describe('Cloud Recording notifications', () => {
  let emu: TestEmulator;
  let rec: Recordings;
  const receiver = new Receiver();
  let url = '';
  before(async () => {
    emu = await startTestEmulator({ frozenClock: true });
    rec = new Recordings(emu, APP);
    url = await receiver.listen();
  });
  after(async () => {
    await emu.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await emu.control('POST', '/reset');
    await emu.unlimited();
    receiver.clear();
    await emu.control('PUT', '/webhook', { url, secret: SECRET });
  });

  void test('a recording that starts, records and stops sends events 40, 30, 42, 4, 41, 31 and 11, signed both ways', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    await rec.stop(rid, sid, CNAME, UID);
    await emu.advance(1000);
    await receiver.until('session_exit', () => receiver.of(sid).some((n) => n.eventType === 11));
    const notices = receiver.of(sid);
    assert.deepEqual(
      notices.map((n) => [n.eventType, n.payload.details.msgName, n.payload.serviceType]),
      [
        [40, 'recorder_started', 1],
        [30, 'uploader_started', 2],
        [42, 'recorder_slice_start', 1],
        [4, 'cloud_recording_file_infos', 0],
        [41, 'recorder_leave', 1],
        [31, 'uploaded', 2],
        [11, 'session_exit', 0],
      ],
    );
    assert.ok(receiver.signed.every(Boolean), 'Agora-Signature and Agora-Signature-V2 verify');
    assert.ok(notices.every((n) => n.productId === 3 && n.payload.cname === CNAME && n.payload.uid === UID));
    assert.deepEqual(notices.map((n) => n.payload.sequence), [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(notices.every((n, i) => i === 0 || n.payload.sendts >= (notices[i - 1]?.payload.sendts ?? 0)));
    const byType = new Map(notices.map((n) => [n.eventType, n.payload.details]));
    assert.equal(byType.get(4)?.fileList, `${sid}_${CNAME}.m3u8`);
    assert.equal(byType.get(41)?.leaveCode, 16);
    assert.deepEqual((byType.get(31)?.fileList as { fileName: string }[]).map((f) => f.fileName), [`${sid}_${CNAME}.m3u8`]);
    assert.equal(byType.get(11)?.exitStatus, 0);
  });

  void test('a recording that leaves an empty channel reports recorder_leave with leaveCode 4 and a normal exit', async () => {
    const { sid } = await rec.begin(CNAME, UID, 'mix', clientRequestFor('mix', { recordingConfig: { channelType: 1, maxIdleTime: 10 } }));
    await emu.advance(10_000);
    await receiver.until('session_exit', () => receiver.of(sid).some((n) => n.eventType === 11));
    const details = new Map(receiver.of(sid).map((n) => [n.eventType, n.payload.details]));
    assert.equal(details.get(41)?.leaveCode, 4);
    assert.equal(details.get(11)?.exitStatus, 0);
    assert.equal(details.has(31), false, 'nothing was recorded, nothing uploaded');
  });

  void test('invalid storage settings report cloud_recording_error and an abnormal exit', async () => {
    await rec.users(CNAME, 1);
    const { sid } = await rec.begin(CNAME, UID, 'mix', clientRequestFor('mix', { storageConfig: { ...STORAGE, fileNamePrefix: ['a_b'] } }));
    await emu.advance(2000);
    await receiver.until('session_exit', () => receiver.of(sid).some((n) => n.eventType === 11));
    const details = new Map(receiver.of(sid).map((n) => [n.eventType, n.payload.details]));
    assert.equal(details.get(1)?.msgName, 'cloud_recording_error');
    assert.equal(details.get(1)?.module, 1);
    assert.equal(details.get(1)?.errorCode, 32);
    assert.equal(details.get(11)?.exitStatus, 1);
  });

  void test('a recording reports uploading_progress once a minute', async () => {
    await rec.users(CNAME, 1);
    const { sid } = await rec.begin(CNAME, UID);
    await emu.advance(2000 + 3 * 60_000);
    await receiver.until('three progress events', () => receiver.of(sid).filter((n) => n.eventType === 33).length === 3);
    const progress = receiver.of(sid).filter((n) => n.eventType === 33);
    assert.equal(progress[0]?.payload.details.msgName, 'uploading_progress');
    assert.equal((progress[1]?.payload.sendts ?? 0) - (progress[0]?.payload.sendts ?? 0), 60_000);
  });

  void test('a notification not answered with 200 is resent with the same noticeId and a new notifyMs', async () => {
    receiver.statuses = [500];
    await rec.users(CNAME, 1);
    const { sid } = await rec.begin(CNAME, UID);
    await emu.advance(300);
    await receiver.until(
      'the resend of recorder_started',
      () => receiver.of(sid).filter((n) => n.eventType === 40).length === 2,
      () => emu.advance(5_000),
    );
    const [first, second] = receiver.of(sid).filter((n) => n.eventType === 40);
    assert.equal(second?.noticeId, first?.noticeId);
    assert.ok((second?.notifyMs ?? 0) > (first?.notifyMs ?? 0));
  });

  void test('asked to, the webhook delivers late, duplicated and out of order', async () => {
    await emu.control('PUT', '/webhook', { url, secret: SECRET, delayMs: 30_000, duplicate: 1, reorder: true });
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    await rec.stop(rid, sid, CNAME, UID);
    await emu.advance(1000);
    assert.equal(receiver.of(sid).length, 0, 'nothing arrives before its delay');
    await emu.advance(60_000);
    await receiver.until('every event twice', () => receiver.of(sid).length === 14);
    const notices = receiver.of(sid);
    const ids = notices.map((n) => n.noticeId);
    assert.equal(new Set(ids).size, 7, 'each event twice, under one noticeId');
    const sequences = notices.map((n) => n.payload.sequence);
    assert.notDeepEqual(sequences, [...sequences].sort((a, b) => a - b), 'not in the order they happened');
  });
});
