// Observing cloud recordings. Agora has no call that lists recordings: each one agoractl started
// is looked up by the resourceId and sid it keeps in state (query; cloud-recording-rest-api.txt).
import type { KindObservation, ObserveInput, ObservedResource } from '../kind.ts';
import type { QueryResult } from '../../agora/client.ts';
import { RECORDING_STATUS as QUERY_STATUS } from '../../agora/recordings.ts';
import { RECORDING_STATUS } from './diff.ts';
import { isTombstone, recordingData } from './model.ts';

/** What a query's serverResponse.status means for reconciling (agora-facts.md, statuses). */
export function statusOf(result: QueryResult): (typeof RECORDING_STATUS)[keyof typeof RECORDING_STATUS] {
  // 404 with code 404: stopped or exited. (Agora's own failover answers 404 for about a minute
  // too; a new start then meets code 53, which execute resolves by querying the old session.)
  if (result.outcome === 'notFound') return RECORDING_STATUS.exited;
  const status = result.serverResponse.status;
  if (status === QUERY_STATUS.recording) return RECORDING_STATUS.running;
  if (status === undefined || status < QUERY_STATUS.recording) return RECORDING_STATUS.starting;
  // 6 stop requested, 7 stopped, 8 exited, 20 exited abnormally.
  return RECORDING_STATUS.exited;
}

/** The file list a query last showed for one session. */
interface SeenFiles {
  sid: string;
  fileListMode?: unknown;
  fileList: unknown;
  at: number;
}

/**
 * An observer that remembers, per recording, the file list its last query showed. Query answers
 * 404 once a recording has exited (cloud-recording-rest-api.txt), so the list seen while it ran
 * is the last one there is: the exited observation carries it on, and diff hands it to the
 * create that starts the next session, which keeps it in the session history.
 */
export function createRecordingObserver(): (input: ObserveInput) => Promise<KindObservation> {
  const seen = new Map<string, SeenFiles>();
  return (input) => observeRecordings(input, seen);
}

async function observeRecordings(input: ObserveInput, seen: Map<string, SeenFiles>): Promise<KindObservation> {
  const resources = new Map<string, ObservedResource>();
  let calls = 0;
  let running = 0;
  for (const state of input.state) {
    const data = recordingData(state.data);
    if (isTombstone(state) || !data?.sid || !data.resourceId || !state.externalId) continue;
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
      const remembered = seen.get(state.key);
      if (fields.fileList !== undefined) {
        seen.set(state.key, { sid: data.sid, fileListMode: fields.fileListMode, fileList: fields.fileList, at: input.clock.now() });
      } else if (remembered?.sid === data.sid) {
        fields.fileList = remembered.fileList;
        if (remembered.fileListMode !== undefined) fields.fileListMode = remembered.fileListMode;
        fields.fileListSeenAt = remembered.at;
      }
      observed = { name: state.name, externalId: data.sid, status, fields };
      if (status === RECORDING_STATUS.running || status === RECORDING_STATUS.starting) running += 1;
    } catch (err) {
      // A query that failed after the client's retries says nothing about the recording; diff
      // leaves an unknown one alone rather than start a second one next to it.
      observed = { name: state.name, externalId: data.sid, status: RECORDING_STATUS.unknown, fields: { error: err instanceof Error ? err.message : String(err) } };
    }
    resources.set(state.name, observed);
  }
  // Only recordings agoractl started can be seen, so this is a lower bound of the App ID's
  // concurrent recordings: others' recordings count against Agora's quota too.
  return { resources, quotaUsed: running, calls };
}
