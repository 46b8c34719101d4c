// What Cloud Recording shows of a recording: the files it writes (named as Agora names them),
// query's and stop's serverResponse per mode, and the control API's state view
// (cloud-recording.en.yaml, query-serverResponse and stop-serverResponse;
// cloud-recording-rest-api.txt: a mix recording's playlist is `<sid>_<cname>.m3u8`).
import type { RecordedFile, Recording } from './store.ts';

/** `20250107120000123`: the UTC stamp Agora puts in segment and MP4 names. */
function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:TZ.]/g, '');
}

/**
 * The users an individual recording records: its explicit subscription lists, else one per
 * occupant of the channel. The emulator's channels know how many users they hold, not their
 * UIDs, so those are made up (10001, 10002, ...).
 */
function recordedUids(recording: Recording, occupancy: number): string[] {
  const { subscribeAudioUids = [], subscribeVideoUids = [] } = recording.subscriptions;
  const listed = [...new Set([...subscribeAudioUids, ...subscribeVideoUids])].filter((uid) => uid !== '#allstream#');
  if (listed.length > 0) return listed;
  return Array.from({ length: Math.max(1, occupancy) }, (_, i) => String(10_001 + i));
}

/** The files a recording has once its first slice exists. */
export function recordedFiles(recording: Recording, sliceStartMs: number, occupancy: number): RecordedFile[] {
  const { sid, cname, mode, config } = recording;
  const base = `${sid}_${cname}`;
  const file = (fileName: string, trackType: RecordedFile['trackType'], uid: string, mixedAllUser: boolean): RecordedFile => ({
    fileName,
    trackType,
    uid,
    mixedAllUser,
    isPlayable: true,
    sliceStartTime: sliceStartMs,
  });
  if (mode !== 'individual') {
    const files = [file(`${base}.m3u8`, 'audio_and_video', '0', true)];
    if (config.avFileType.includes('mp4')) files.push(file(`${base}_${utcStamp(sliceStartMs)}_0.mp4`, 'audio_and_video', '0', true));
    return files;
  }
  const streamTypes = config.recording?.streamTypes ?? 2;
  const files: RecordedFile[] = [];
  for (const uid of recordedUids(recording, occupancy)) {
    const name = (type: string) => `${base}__uid_s_${uid}__uid_e_${type}.m3u8`;
    if (streamTypes !== 1) files.push(file(name('audio'), 'audio', uid, false));
    if (streamTypes !== 0) files.push(file(name('video'), 'video', uid, false));
    // "standard" also writes one merged audio-and-video playlist per user.
    if (streamTypes === 2 && config.recording?.streamMode === 'standard') files.push(file(name('av'), 'audio_and_video', uid, false));
  }
  return files;
}

/**
 * fileListMode and fileList: "string" (the playlist name) for a mix recording of HLS only,
 * "json" (file objects) otherwise. Screenshot-only recordings list no files.
 */
export function fileListFields(recording: Recording): Record<string, unknown> {
  if (recording.config.screenshotsOnly) return {};
  if (recording.mode === 'mix' && !recording.config.avFileType.includes('mp4')) {
    return { fileListMode: 'string', fileList: recording.files[0]?.fileName ?? '' };
  }
  return { fileListMode: 'json', fileList: recording.files.map((f) => ({ ...f })) };
}

function webRecorderState(recording: Recording, state: 'init' | 'inProgress' | 'exit'): Record<string, unknown> {
  return {
    serviceName: 'web_recorder_service',
    payload: {
      fileList: recording.files.map((f) => ({ filename: f.fileName, sliceStartTime: f.sliceStartTime })),
      onhold: recording.onhold,
      state,
    },
  };
}

export function queryServerResponse(recording: Recording): Record<string, unknown> {
  if (recording.mode === 'web') {
    const states = [webRecorderState(recording, recording.sliceStartMs === null ? 'init' : 'inProgress')];
    if (recording.rtmpUrls.length > 0) {
      states.push({ serviceName: 'rtmp_publish_service', payload: { outputs: recording.rtmpUrls.map((rtmpUrl) => ({ rtmpUrl, status: 'publishing' })) } });
    }
    return { status: recording.status, extensionServiceState: states };
  }
  return {
    status: recording.status,
    ...fileListFields(recording),
    // Only individual recordings report when slicing started.
    ...(recording.mode === 'individual' ? { sliceStartTime: recording.sliceStartMs ?? 0 } : {}),
  };
}

/** stop's serverResponse; `complete: false` is the 206 without a file list. */
export function stopServerResponse(recording: Recording, complete: boolean): Record<string, unknown> {
  const uploadingStatus = complete ? 'uploaded' : 'unknown';
  if (recording.mode === 'web') {
    const states: Record<string, unknown>[] = [{ serviceName: 'upload_service', payload: { uploadingStatus } }];
    if (complete) states.push(webRecorderState(recording, 'exit'));
    return { extensionServiceState: states };
  }
  return complete ? { ...fileListFields(recording), uploadingStatus } : { uploadingStatus };
}

/** recordingConfig as start set it, with the subscription lists as update last left them. */
function currentRecordingConfig(recording: Recording): Record<string, unknown> {
  const { subscribeAudioUids: _a, unsubscribeAudioUids: _b, subscribeVideoUids: _c, unsubscribeVideoUids: _d, ...settings } = recording.config.recording ?? {};
  return { ...settings, ...recording.subscriptions };
}

/** One recording in `GET /_emulator/state`; storage keys and decryption secrets never appear. */
export function stateView(recording: Recording): Record<string, unknown> {
  return {
    appId: recording.appId,
    resourceId: recording.resourceId,
    sid: recording.sid,
    cname: recording.cname,
    uid: recording.uid,
    mode: recording.mode,
    status: recording.status,
    phase: recording.phase,
    startedAt: recording.startedAtMs,
    exitedAt: recording.exitedAtMs,
    exitReason: recording.exitReason,
    fileList: recording.files.map((f) => ({ ...f })),
    ...(recording.config.recording ? { recordingConfig: currentRecordingConfig(recording) } : {}),
    ...(recording.layout ? { layout: recording.layout } : {}),
    ...(recording.config.web ? { webPage: { url: recording.config.web.url, onhold: recording.onhold } } : {}),
    storage: recording.config.storage,
  };
}
