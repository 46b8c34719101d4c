// Cloud Recording calls against a real emulator, for the recording conformance suites.
import assert from 'node:assert/strict';
import { useEmulator } from './helpers.ts';
import type { Answer, TestEmulator } from './helpers.ts';

export const STORAGE = { vendor: 1, region: 0, bucket: 'recordings', accessKey: 'AKIA-EMULATOR-TEST', secretKey: 'storage-secret-value' };

export type Mode = 'mix' | 'individual' | 'web';

/** The channel and the recorder's uid of the suites, unless a test needs others. */
export const CNAME = 'class32';
export const UID = '900001';

/** For one describe block: an emulator on a frozen clock and its Cloud Recording API for `appId`. */
export function useRecordings(appId: string): { emu: TestEmulator; rec: Recordings } {
  const emu = useEmulator({ frozenClock: true });
  return { emu, rec: new Recordings(emu, appId) };
}

export const paths = (appId: string) => {
  const base = `/v1/apps/${appId}/cloud_recording`;
  return {
    acquire: `${base}/acquire`,
    start: (rid: string, mode: Mode | string) => `${base}/resourceid/${rid}/mode/${mode}/start`,
    session: (rid: string, sid: string, mode: Mode | string, action: string) => `${base}/resourceid/${rid}/sid/${sid}/mode/${mode}/${action}`,
  };
};

/** A start clientRequest that Agora accepts for the mode. */
export function clientRequestFor(mode: Mode, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  if (mode === 'web') {
    return {
      storageConfig: STORAGE,
      recordingFileConfig: { avFileType: ['hls', 'mp4'] },
      extensionServiceConfig: {
        extensionServices: [
          {
            serviceName: 'web_recorder_service',
            serviceParam: { url: 'https://example.com/board', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2 },
          },
        ],
      },
      ...overrides,
    };
  }
  const recordingConfig = mode === 'individual' ? { channelType: 1, subscribeUidGroup: 0 } : { channelType: 1, maxIdleTime: 30 };
  return { recordingConfig, storageConfig: STORAGE, ...overrides };
}

export class Recordings {
  readonly paths: ReturnType<typeof paths>;
  constructor(
    readonly emu: TestEmulator,
    readonly appId: string,
  ) {
    this.paths = paths(appId);
  }

  acquire(cname: string, uid: string | number, clientRequest: Record<string, unknown> = {}): Promise<Answer> {
    return this.emu.call('POST', this.paths.acquire, { body: { cname, uid, clientRequest } });
  }

  async resourceId(cname: string, uid: string, clientRequest: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.acquire(cname, uid, clientRequest);
    assert.equal(answer.status, 200, answer.text);
    return (answer.body as { resourceId: string }).resourceId;
  }

  start(rid: string, mode: Mode | string, body: Record<string, unknown>): Promise<Answer> {
    return this.emu.call('POST', this.paths.start(rid, mode), { body });
  }

  /** acquire + start; fails the test unless both answer 200. */
  async begin(cname: string, uid: string, mode: Mode = 'mix', clientRequest = clientRequestFor(mode)): Promise<{ rid: string; sid: string }> {
    const rid = await this.resourceId(cname, uid, mode === 'web' ? { scene: 1 } : {});
    const answer = await this.start(rid, mode, { cname, uid, clientRequest });
    assert.equal(answer.status, 200, answer.text);
    return { rid, sid: (answer.body as { sid: string }).sid };
  }

  query(rid: string, sid: string, mode: Mode | string = 'mix'): Promise<Answer> {
    return this.emu.call('GET', this.paths.session(rid, sid, mode, 'query'));
  }

  post(rid: string, sid: string, mode: Mode | string, action: 'update' | 'updateLayout' | 'stop', body: Record<string, unknown>): Promise<Answer> {
    return this.emu.call('POST', this.paths.session(rid, sid, mode, action), { body });
  }

  stop(rid: string, sid: string, cname: string, uid: string, mode: Mode = 'mix'): Promise<Answer> {
    return this.post(rid, sid, mode, 'stop', { cname, uid, clientRequest: {} });
  }

  async users(cname: string, users: number): Promise<void> {
    const answer = await this.emu.control('PUT', `/channels/${this.appId}/${cname}`, { users });
    assert.equal(answer.status, 200, answer.text);
  }

  /** The recording as `GET /_emulator/state` shows it. */
  async state(sid: string): Promise<Record<string, unknown> | undefined> {
    const state = (await this.emu.control('GET', '/state')).body as { recordings: Record<string, unknown>[] };
    return state.recordings.find((r) => r.sid === sid);
  }
}

export function serverResponse(answer: Answer): Record<string, unknown> {
  return (answer.body as { serverResponse: Record<string, unknown> }).serverResponse;
}

/** Asserts Cloud Recording's error answer: HTTP status and body code. */
export function assertCode(answer: Answer, http: number, code: number): void {
  assert.equal(answer.status, http, answer.text);
  assert.equal((answer.body as { code?: number }).code, code, answer.text);
}
