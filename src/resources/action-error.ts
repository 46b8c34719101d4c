// Errors of actions, for every kind: a code the engine, the JSON output and tests match on, and a
// message built from the resource's identity. Never a token, a key or a secret.

export const ACTION_ERROR = {
  conflict: 'Conflict',
  notDesired: 'NotDesired',
  notInState: 'NotInState',
  noAppCertificate: 'NoAppCertificate',
  outcomeUnknown: 'OutcomeUnknown',
  paramsMismatch: 'ParamsMismatch',
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
