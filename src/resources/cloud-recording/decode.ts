// Reading a cloud recording's state data: the one place where JSON from state becomes typed
// data. Layout 1 is every layout agoractl has written: a running or starting recording, one
// whose start or acquire is in flight, a tombstone (`stopped`), and `{}`. Layout 2 adds the
// applied spec of the running session.
import { readAppliedSpec } from '../applied-spec.ts';
import { RECORDING_DATA_VERSION, LAYOUT_FIELDS, SUBSCRIPTION_FIELDS, WEB_FIELDS, type InPlaceValues, type RecordingData, type RecordingMode, type RecordingRecord, type SessionRecord } from './model.ts';

type Json = Record<string, unknown>;

/**
 * The data of a cloud recording's record; undefined when it is not a recording's. Version 2
 * added appliedSpec; a version-1 record has none (a replace then says what it cannot name).
 */
export function decodeRecording(data: Json, version = 1): RecordingRecord | undefined {
  if (Object.keys(data).length === 0) return {};
  const mode = modeOf(data.mode);
  if (typeof data.cname !== 'string' || typeof data.uid !== 'string' || !mode) return undefined;
  const decoded: RecordingData = { cname: data.cname, uid: data.uid, mode };
  if (typeof data.resourceId === 'string') decoded.resourceId = data.resourceId;
  if (typeof data.acquiredAt === 'number') decoded.acquiredAt = data.acquiredAt;
  if (typeof data.sid === 'string') decoded.sid = data.sid;
  if (typeof data.startedAt === 'number') decoded.startedAt = data.startedAt;
  const applied = inPlaceOf(data.applied);
  if (applied) decoded.applied = applied;
  if (typeof data.lastStatus === 'number') decoded.lastStatus = data.lastStatus;
  if (typeof data.fileListMode === 'string') decoded.fileListMode = data.fileListMode;
  if (data.fileList !== undefined) decoded.fileList = data.fileList;
  if (Array.isArray(data.sessions)) decoded.sessions = data.sessions.flatMap((s: unknown) => sessionOf(s) ?? []);
  const stopped = sessionOf(data.stopped);
  if (stopped) decoded.stopped = stopped;
  const appliedSpec = version >= RECORDING_DATA_VERSION ? readAppliedSpec(data.appliedSpec) : undefined;
  if (appliedSpec) decoded.appliedSpec = appliedSpec;
  return decoded;
}

function modeOf(value: unknown): RecordingMode | undefined {
  return value === 'mix' || value === 'individual' || value === 'web' ? value : undefined;
}

function objectOf(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function sessionOf(value: unknown): SessionRecord | undefined {
  const s = objectOf(value);
  if (!s || typeof s.resourceId !== 'string' || typeof s.sid !== 'string' || typeof s.endedAt !== 'number') return undefined;
  if (s.end !== 'stopped' && s.end !== 'exited') return undefined;
  const session: SessionRecord = { resourceId: s.resourceId, sid: s.sid, endedAt: s.endedAt, end: s.end };
  if (typeof s.startedAt === 'number') session.startedAt = s.startedAt;
  if (typeof s.uploadingStatus === 'string') session.uploadingStatus = s.uploadingStatus;
  if (typeof s.fileListMode === 'string') session.fileListMode = s.fileListMode;
  if (s.fileList !== undefined) session.fileList = s.fileList;
  return session;
}

function inPlaceOf(value: unknown): InPlaceValues | undefined {
  const applied = objectOf(value);
  if (!applied) return undefined;
  const values: InPlaceValues = { subscription: {}, layout: {}, web: {} };
  const subscription = objectOf(applied.subscription) ?? {};
  for (const field of SUBSCRIPTION_FIELDS) if (subscription[field] !== undefined) values.subscription[field] = subscription[field];
  const layout = objectOf(applied.layout) ?? {};
  for (const field of LAYOUT_FIELDS) if (layout[field] !== undefined) values.layout[field] = layout[field];
  const web = objectOf(applied.web) ?? {};
  for (const field of WEB_FIELDS) if (web[field] !== undefined) values.web[field] = web[field];
  return values;
}
