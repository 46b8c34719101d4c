// Taking a running Cloud Recording session under management (`agoractl import`). Agora lists no
// recordings: the session is observed by query, which needs both of Agora's ids, the sid (the
// recording's external id) and the resourceId of the acquire that started it
// (cloud-recording-rest-api.txt), and the mode, which is the manifest's. Read-only.
import type { FieldChange, ImportInput, ImportResult } from '../kind.ts';
import { RECORDING_STATUS } from '../../agora/recordings.ts';
import { statusOf } from './observe.ts';
import { GROUP_CALL, SESSION_STATUS } from './diff.ts';
import { inPlaceValues, manifestAppliedRecordingSpec, recordingHash, recordingMode, uidString, type CloudRecordingSpec, type RecordingData, type RecordingRecord } from './model.ts';

const CHANGE_PREFIX = { subscription: 'recordingConfig.', layout: 'recordingConfig.transcodingConfig.', web: 'extensionServiceConfig.' } as const;

export async function importRecording(input: ImportInput<CloudRecordingSpec>): Promise<ImportResult<RecordingRecord>> {
  const { desired, externalId: sid, resourceId } = input;
  if (resourceId === undefined) return refused('a CloudRecording import needs --resource-id: query names a session by its resourceId and its sid together');
  const spec = desired.spec;
  const mode = recordingMode(spec);
  const result = await input.client.recordings.query(resourceId, sid, mode);
  const status = statusOf(result);
  if (result.outcome === 'notFound') {
    return refused(`no ${mode} recording with sid ${sid} and resourceId ${resourceId} is running (it stopped or exited, or it records in another mode than the manifest's)`);
  }
  if (status === SESSION_STATUS.exited) {
    return refused(`recording ${sid} has stopped or exited (status ${result.serverResponse.status}): there is nothing to take over; apply starts a new session`);
  }
  const want = { cname: spec.channelName, uid: uidString(spec) };
  const fixed: FieldChange[] = [];
  if (result.cname !== undefined && result.cname !== want.cname) fixed.push({ path: 'channelName', before: result.cname, after: want.cname });
  if (result.uid !== undefined && result.uid !== want.uid) fixed.push({ path: 'uid', before: result.uid, after: want.uid });
  if (fixed.length > 0) return refused(`recording ${sid} differs from the manifest in fields only a new session can change`, fixed);

  const response = result.serverResponse;
  const data: RecordingData = { cname: want.cname, uid: want.uid, mode, resourceId, sid: result.sid, startedAt: input.clock.now(), appliedSpec: manifestAppliedRecordingSpec(spec) };
  if (response.status !== undefined) data.lastStatus = response.status;
  if (response.fileListMode !== undefined) data.fileListMode = response.fileListMode;
  if (response.fileList !== undefined) data.fileList = response.fileList;
  // Query returns none of what update and updateLayout change: nothing counts as applied, so
  // the next apply sends the manifest's values once (both calls set, they never add).
  const updates: FieldChange[] = [];
  const calls = new Set<string>();
  for (const [group, values] of Object.entries(inPlaceValues(spec)) as [keyof typeof CHANGE_PREFIX, Record<string, unknown>][]) {
    for (const [field, after] of Object.entries(values)) {
      updates.push({ path: CHANGE_PREFIX[group] + field, after });
      calls.add(GROUP_CALL[group]);
    }
  }
  const notes = [`mode ${mode} is the manifest's: query found the session in that mode`];
  if (result.cname === undefined || result.uid === undefined) notes.push("query did not name the session's channel and uid: they are taken as the manifest's");
  notes.push("the recording, storage and file settings are taken as the manifest's: query does not return them");
  if (calls.size > 0) notes.push(`query does not show the layout or subscriptions: the next apply sends them (${[...calls].sort().join(' and ')})`);
  if (status === SESSION_STATUS.starting) notes.push(`the session is still starting (status ${response.status ?? RECORDING_STATUS.notStarted})`);
  return { type: 'recorded', externalId: result.sid, specHash: recordingHash(spec), data, updates, notes };
}

function refused(reason: string, changes: FieldChange[] = []): ImportResult<RecordingRecord> {
  return { type: 'refused', reason, changes };
}
