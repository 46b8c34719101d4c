// The vendor's side of a failed Cloud Recording call; the action's own codes are in ../action-error.ts.
import { AgoraApiError } from '../../agora/client.ts';

/** The vendor code of a failed Cloud Recording call, if the error is one. */
export function vendorCode(err: unknown): number | undefined {
  return err instanceof AgoraApiError ? err.code : undefined;
}
