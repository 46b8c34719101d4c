// Errors of cloud recording actions: a code the engine and tests match on, and a message built
// here from the recording's identity. Never a token or a storage key.
import { AgoraApiError } from '../../agora/client.ts';

export const RECORDING_ERROR = {
  notDesired: 'NotDesired',
  notInState: 'NotInState',
  noAppCertificate: 'NoAppCertificate',
  conflict: 'Conflict',
  paramsMismatch: 'ParamsMismatch',
  outcomeUnknown: 'OutcomeUnknown',
  sidUnknown: 'SidUnknown',
  expiredRepeatedly: 'ResourceIdExpiredRepeatedly',
  exited: 'RecordingExited',
} as const;
export type RecordingErrorCode = (typeof RECORDING_ERROR)[keyof typeof RECORDING_ERROR];

export class RecordingActionError extends Error {
  constructor(
    message: string,
    readonly code: RecordingErrorCode,
    /** The vendor's X-Request-ID of the call behind it, when there was one. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'RecordingActionError';
  }
}

/** The vendor code of a failed Cloud Recording call, if the error is one. */
export function vendorCode(err: unknown): number | undefined {
  return err instanceof AgoraApiError ? err.code : undefined;
}
