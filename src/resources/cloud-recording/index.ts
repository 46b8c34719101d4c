// The CloudRecording kind: Cloud Recording sessions kept running while their manifest says so
// (cloud-recording-rest-api.txt, agora-facts.md "Cloud Recording").
import type { KindModule, KindNotification, NotificationTarget } from '../kind.ts';
import { decodeRecording } from './decode.ts';
import { diffRecording, recordingSavedActionProblem } from './diff.ts';
import { executeRecording } from './execute.ts';
import { cloudRecordingRules } from './manifest.ts';
import { KIND, RECORDING_DATA_VERSION, type CloudRecordingSpec, type RecordingDetail, type RecordingRecord } from './model.ts';
import { observeRecordings, refreshRecording } from './observe.ts';
import { importRecording } from './import.ts';

/** The productId of Cloud Recording's notifications (agora-facts.md "Notifications"). */
export const CLOUD_RECORDING_PRODUCT_ID = 3;

export function createCloudRecordingModule(): KindModule<CloudRecordingSpec, RecordingRecord, RecordingDetail> {
  return {
    kind: KIND,
    manifest: cloudRecordingRules,
    dataVersion: RECORDING_DATA_VERSION,
    decode: decodeRecording,
    observe: observeRecordings,
    diff: diffRecording,
    execute: executeRecording,
    refresh: refreshRecording,
    savedActionProblem: recordingSavedActionProblem,
    notificationTarget,
    importResource: importRecording,
  };
}

/** Cloud Recording's events name the session by cname, uid and sid; sid is the recording's external id. */
function notificationTarget(notification: KindNotification): NotificationTarget | undefined {
  const { productId, eventType, payload } = notification;
  if (productId !== CLOUD_RECORDING_PRODUCT_ID) return undefined;
  const sid = payload.sid;
  if (!nonEmpty(payload.cname) || !(nonEmpty(payload.uid) || Number.isSafeInteger(payload.uid)) || !nonEmpty(sid)) return undefined;
  return { kind: KIND, externalId: sid, eventType };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
