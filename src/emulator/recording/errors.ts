// Cloud Recording's error answers: body `{"code": n, "reason": "..."}` with the HTTP status Agora
// pairs with each code (agora-facts.md "Cloud Recording"; cloud-recording-rest-api.txt "common
// errors"; reasons as in Agora's OpenAPI examples where it shows them).
import type { Reply } from '../http/reply.ts';

export interface RecordingError {
  http: number;
  code: number;
  reason: string;
}

export const RECORDING_ERRORS = {
  badParameter: (detail: string): RecordingError => ({ http: 400, code: 2, reason: `invalid parameter: ${detail}` }),
  // Agora's response-code page (quoted in agora-rest-client-python cloud_recording/v1/code.py):
  // 8 for a body that is not JSON, 1013 for an invalid channel name, 1028 for a bad updateLayout body.
  badRequest: { http: 400, code: 8, reason: 'invalid request: the body is not valid JSON' },
  invalidChannelName: { http: 400, code: 1013, reason: 'invalid channel name' },
  badLayout: (detail: string): RecordingError => ({ http: 400, code: 1028, reason: `invalid updateLayout parameter: ${detail}` }),
  // A repeated start with one resourceId: HTTP 201, yet an error (cloud-recording-rest-api.txt).
  alreadyStarted: { http: 201, code: 7, reason: 'already started' },
  alreadyStopping: { http: 400, code: 49, reason: 'recording is already stopping' },
  alreadyRecording: { http: 400, code: 53, reason: 'a recording with this cname and uid is already running' },
  workerNotFound: { http: 404, code: 404, reason: 'failed to find worker' },
  paramsMismatch: { http: 400, code: 432, reason: 'request parameters do not match the resourceId' },
  resourceExpired: { http: 400, code: 433, reason: 'resourceId expired' },
  noRecordedData: { http: 206, code: 435, reason: 'no recorded data' },
  unparsableResource: { http: 400, code: 1001, reason: 'failed to parse resourceId' },
  resourceMismatch: { http: 400, code: 1003, reason: 'appId or sid does not match the resourceId' },
} as const satisfies Record<string, RecordingError | ((detail: string) => RecordingError)>;

/** Thrown by request checks; the route turns it into the answer. */
export class RecordingFailure extends Error {
  constructor(readonly error: RecordingError) {
    super(error.reason);
  }
}

export function sendRecordingError(reply: Reply, error: RecordingError, extra: Record<string, unknown> = {}): Reply {
  return reply.code(error.http).send({ ...extra, code: error.code, reason: error.reason });
}
