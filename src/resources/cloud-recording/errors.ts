// What a failed Cloud Recording call says: the vendor's code, status and X-Request-ID. The
// action's own error codes are every kind's (../action-error.ts).
import { AgoraApiError } from '../../agora/client.ts';

/** The vendor code of a failed Cloud Recording call, if the error is one. */
export function vendorCode(err: unknown): number | undefined {
  return err instanceof AgoraApiError ? err.code : undefined;
}

/** The HTTP status of a failed call, if the error carries one. */
export function httpStatusOf(err: unknown): unknown {
  return err instanceof Error && 'status' in err ? err.status : undefined;
}

/** The vendor's X-Request-ID behind an error, if it carries one. */
export function requestIdOf(err: unknown): string | undefined {
  return err instanceof Error && 'requestId' in err && typeof err.requestId === 'string' ? err.requestId : undefined;
}
