// Why a kind's action failed, as a code the engine, the JSON output and tests match on, with a
// message built where it is thrown from the resource's identity. Never a token or a storage key.

export const ACTION_ERROR = {
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
export type ActionErrorCode = (typeof ACTION_ERROR)[keyof typeof ACTION_ERROR];

export class ActionError extends Error {
  constructor(
    message: string,
    readonly code: ActionErrorCode,
    /** The vendor's X-Request-ID of the call behind it, when there was one. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}
