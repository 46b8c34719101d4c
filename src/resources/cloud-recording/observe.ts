// Observing cloud recordings. Agora has no call that lists recordings: each one agoractl started
// is looked up by the resourceId and sid it keeps in state (query; cloud-recording-rest-api.txt).
import type { KindObservation, KindState, ObserveInput, ObservedResource } from '../kind.ts';
import type { QueryResult } from '../../agora/client.ts';
import { RECORDING_STATUS as QUERY_STATUS } from '../../agora/recordings.ts';
import { SESSION_STATUS } from './diff.ts';
import { isRecording, isTombstone, sameValue, type CloudRecordingSpec, type RecordingData, type RecordingRecord } from './model.ts';

/** What a query's serverResponse.status means for reconciling (agora-facts.md, statuses). */
export function statusOf(result: QueryResult): (typeof SESSION_STATUS)[keyof typeof SESSION_STATUS] {
  // 404 with code 404: stopped or exited. (Agora's own failover answers 404 for about a minute
  // too; a new start then meets code 53, which execute resolves by querying the old session.)
  if (result.outcome === 'notFound') return SESSION_STATUS.exited;
  const status = result.serverResponse.status;
  if (status === QUERY_STATUS.recording) return SESSION_STATUS.running;
  if (status === undefined || status < QUERY_STATUS.recording) return SESSION_STATUS.starting;
  // 6 stop requested, 7 stopped, 8 exited, 20 exited abnormally.
  return SESSION_STATUS.exited;
}

export async function observeRecordings(input: ObserveInput<CloudRecordingSpec, RecordingRecord>): Promise<KindObservation> {
  const resources = new Map<string, ObservedResource>();
  let calls = 0;
  let running = 0;
  // Every query is sent at once: the client's recording limiter (10/s per App ID) paces them,
  // so observing N recordings costs N/10 s, not N round trips.
  await Promise.all(
    input.state.map(async (state) => {
      const data = isRecording(state.data) ? state.data : undefined;
      if (isTombstone(state) || !data?.sid || !data.resourceId || !state.externalId) return;
      calls += 1;
      let observed: ObservedResource;
      try {
        const result = await input.client.recordings.query(data.resourceId, data.sid, data.mode);
        const status = statusOf(result);
        const fields: Record<string, unknown> = {};
        if (result.outcome === 'found') {
          const response = result.serverResponse;
          for (const key of ['status', 'fileListMode', 'fileList', 'sliceStartTime'] as const) if (response[key] !== undefined) fields[key] = response[key];
        }
        observed = { name: state.name, externalId: data.sid, status, fields };
        if (status === SESSION_STATUS.running || status === SESSION_STATUS.starting) running += 1;
      } catch (err) {
        // A query that failed after the client's retries says nothing about the recording; diff
        // leaves an unknown one alone rather than start a second one next to it.
        observed = { name: state.name, externalId: data.sid, status: SESSION_STATUS.unknown, fields: { error: err instanceof Error ? err.message : String(err) } };
      }
      resources.set(state.name, observed);
    }),
  );
  // Only recordings agoractl started can be seen, so this is a lower bound of the App ID's
  // concurrent recordings: others' recordings count against Agora's quota too.
  return { resources, quotaUsed: running, calls };
}

/**
 * Keeps what query said in state. Query answers 404 once a recording has exited
 * (cloud-recording-rest-api.txt), so the file list seen while it ran is the last one there is:
 * it stays in state and goes into the session history when the recording is started again or
 * removed. Pure; undefined when nothing changed.
 */
export function refreshRecording(state: KindState<RecordingRecord>, observed: ObservedResource | undefined): RecordingData | undefined {
  const data = isRecording(state.data) ? state.data : undefined;
  if (!data?.sid || !observed || observed.externalId !== data.sid || observed.status === SESSION_STATUS.unknown) return undefined;
  const next: RecordingData = { ...data };
  if (typeof observed.fields.status === 'number') next.lastStatus = observed.fields.status;
  else if (observed.status === SESSION_STATUS.exited) next.lastStatus = QUERY_STATUS.exited;
  if (observed.fields.fileList !== undefined) next.fileList = observed.fields.fileList;
  if (typeof observed.fields.fileListMode === 'string') next.fileListMode = observed.fields.fileListMode;
  if (sameValue(next, data)) return undefined;
  return next;
}
