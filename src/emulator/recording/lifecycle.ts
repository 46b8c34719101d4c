// A recording's life on the virtual clock and the notifications it sends (productId 3).
//
// After start the service boots: status 1 (initialised), 2 (recorder starting, event 40
// recorder_started), 3 (uploader started, event 30), 4 (components ready), then 5 once the first
// slice is recorded (events 42 recorder_slice_start and 4 cloud_recording_file_infos), which
// needs someone in the channel: the recorder is a hidden audience and records nothing in an
// empty one (agora-usage-notes-zh.txt). A channel empty for maxIdleTime ends the recording
// (status 8). An invalid storage or transcoding configuration ends it abnormally (status 20).
// Status numbers and event names: Agora's cloud recording callback page and agora-facts.md.
import type { EmulatorContext } from '../context.ts';
import type { ExitReason, Recording, RecordingStore } from './store.ts';
import { recordedFiles } from './views.ts';

export const RECORDING_STATUS = {
  initialised: 1,
  componentsStarting: 2,
  uploaderStarted: 3,
  componentsReady: 4,
  recording: 5,
  stopRequested: 6,
  stopped: 7,
  exited: 8,
  exitedAbnormally: 20,
} as const;

/** Virtual ms after start of each boot step; the first slice follows readiness after SLICE_MS. */
export const BOOT_MS = { componentsStarting: 300, uploaderStarted: 600, componentsReady: 900 } as const;
export const SLICE_MS = 600;
/** Between stop's answer and the recorder leaving, and between leaving and the session exiting. */
export const STOP_STEP_MS = 300;
/** uploading_progress arrives once a minute while recording (event 33). */
export const PROGRESS_EVERY_MS = 60_000;

const PRODUCT_ID = 3;
// payload.serviceType: 0 the cloud recording service, 1 the recorder, 2 the uploader, 6 web page recording.
const SERVICE = { cloud: 0, recorder: 1, uploader: 2, web: 6 } as const;
// recorder_leave leaveCode bits.
const LEAVE_NO_USERS = 4;
const LEAVE_CLIENT = 16;

export class RecordingLifecycle {
  readonly #ctx: EmulatorContext;
  readonly #store: RecordingStore;
  #firing: number | null = null;

  constructor(ctx: EmulatorContext, store: RecordingStore) {
    this.#ctx = ctx;
    this.#store = store;
  }

  /** Boots a recording that start just created. */
  begin(recording: Recording): void {
    const at = recording.startedAtMs;
    this.#after(recording, at + BOOT_MS.componentsStarting, () => {
      recording.status = RECORDING_STATUS.componentsStarting;
      this.#notify(recording, 40, SERVICE.recorder, { msgName: 'recorder_started', status: 0 });
    });
    this.#after(recording, at + BOOT_MS.uploaderStarted, () => {
      recording.status = RECORDING_STATUS.uploaderStarted;
      this.#notify(recording, 30, SERVICE.uploader, { msgName: 'uploader_started', status: 0 });
    });
    this.#after(recording, at + BOOT_MS.componentsReady, () => this.#ready(recording));
    const web = recording.config.web;
    if (web) this.#after(recording, at + web.maxRecordingHour * 3_600_000, () => this.#exit(recording, 'maxRecordingHour'));
    this.#watchIdle(recording);
  }

  /** The occupancy of a channel may have changed. */
  channelChanged(appId: string, cname: string): void {
    for (const recording of this.#store.inChannel(appId, cname)) {
      this.#watchIdle(recording);
      this.#maybeSlice(recording);
    }
  }

  /** A web page recording was paused or resumed (update's webRecordingConfig.onhold). */
  onholdChanged(recording: Recording): void {
    this.#maybeSlice(recording);
  }

  /** stop: the recorder leaves and uploads, then the session exits. */
  stop(recording: Recording): void {
    this.#cancelAll(recording);
    recording.phase = 'stopping';
    recording.status = RECORDING_STATUS.stopRequested;
    const now = this.#now();
    this.#after(recording, now + STOP_STEP_MS, () => this.#leave(recording, LEAVE_CLIENT));
    this.#after(recording, now + 2 * STOP_STEP_MS, () => this.#finish(recording, 'stopped', RECORDING_STATUS.exited));
  }

  /** Forgets a recording's timers (reset). */
  cancel(recording: Recording): void {
    this.#cancelAll(recording);
  }

  #ready(recording: Recording): void {
    recording.status = RECORDING_STATUS.componentsReady;
    const failure = recording.config.failure;
    if (failure) {
      this.#notify(recording, 1, SERVICE.cloud, {
        msgName: 'cloud_recording_error',
        module: failure.module,
        errorLevel: 5,
        errorCode: failure.errorCode,
        stat: 1,
        errorMsg: failure.message,
      });
      this.#cancelAll(recording);
      this.#finish(recording, 'invalidConfig', RECORDING_STATUS.exitedAbnormally);
      return;
    }
    this.#maybeSlice(recording);
  }

  /** Whatever the recorder records is there: someone in the channel, or a page that is not on hold. */
  #hasSource(recording: Recording): boolean {
    if (recording.mode === 'web') return !recording.onhold;
    return this.#ctx.channels.occupancy(recording.appId, recording.cname) > 0;
  }

  #maybeSlice(recording: Recording): void {
    if (recording.phase !== 'running' || recording.status !== RECORDING_STATUS.componentsReady) return;
    if (recording.slicePending || !this.#hasSource(recording)) return;
    recording.slicePending = true;
    this.#after(recording, this.#now() + SLICE_MS, () => this.#firstSlice(recording));
  }

  #firstSlice(recording: Recording): void {
    const now = this.#now();
    recording.slicePending = false;
    recording.status = RECORDING_STATUS.recording;
    recording.sliceStartMs = now;
    recording.files = recordedFiles(recording, now, this.#ctx.channels.occupancy(recording.appId, recording.cname));
    const first = recording.files[0];
    if (recording.mode === 'web') {
      this.#notify(recording, 70, SERVICE.web, { msgName: 'web_recorder_started' });
    } else {
      const mixed = recording.mode === 'mix';
      this.#notify(recording, 42, SERVICE.recorder, {
        msgName: 'recorder_slice_start',
        startUtcMs: now,
        discontinueUtcMs: now,
        mixedAllUser: mixed,
        streamUid: mixed ? '0' : (first?.uid ?? '0'),
        trackType: first?.trackType ?? 'audio_and_video',
      });
    }
    if (first && !recording.config.screenshotsOnly) {
      this.#notify(recording, 4, SERVICE.cloud, { msgName: 'cloud_recording_file_infos', fileList: first.fileName });
    }
    this.#progress(recording, now + PROGRESS_EVERY_MS);
  }

  #progress(recording: Recording, at: number): void {
    this.#after(recording, at, () => {
      // Uploaded share of what is recorded, × 10000; it reaches 10000 only after the recorder exits.
      this.#notify(recording, 33, SERVICE.uploader, { msgName: 'uploading_progress', progress: 9_900 });
      this.#progress(recording, at + PROGRESS_EVERY_MS);
    });
  }

  /** Keeps one idle timer running exactly while the channel is empty (not for web page recordings). */
  #watchIdle(recording: Recording): void {
    const maxIdleTime = recording.config.recording?.maxIdleTime;
    if (recording.phase !== 'running' || maxIdleTime === undefined) return;
    const empty = this.#ctx.channels.occupancy(recording.appId, recording.cname) === 0;
    if (!empty) {
      recording.idleTimer?.();
      recording.idleTimer = null;
      return;
    }
    if (recording.idleTimer) return;
    const cancel = this.#after(recording, this.#now() + maxIdleTime * 1000, () => {
      recording.idleTimer = null;
      this.#exit(recording, 'idle');
    });
    recording.idleTimer = cancel;
  }

  /** The service ends a recording on its own: the recorder leaves, uploads, and the session exits. */
  #exit(recording: Recording, reason: ExitReason): void {
    if (recording.phase !== 'running') return;
    this.#cancelAll(recording);
    this.#leave(recording, reason === 'idle' ? LEAVE_NO_USERS : LEAVE_CLIENT);
    this.#finish(recording, reason, RECORDING_STATUS.exited);
  }

  #leave(recording: Recording, leaveCode: number): void {
    recording.status = RECORDING_STATUS.stopped;
    if (recording.mode === 'web') {
      this.#notify(recording, 71, SERVICE.web, {
        msgName: 'web_recorder_stopped',
        fileList: recording.files.map((f) => ({ fileName: f.fileName, sliceStartTime: f.sliceStartTime })),
      });
    } else {
      this.#notify(recording, 41, SERVICE.recorder, { msgName: 'recorder_leave', leaveCode });
    }
    if (recording.files.length > 0) {
      // The uploaded event lists file objects in every mode (a mix recording's one playlist too).
      const fileList = recording.config.screenshotsOnly ? {} : { fileList: recording.files.map((f) => ({ ...f })) };
      this.#notify(recording, 31, SERVICE.uploader, { msgName: 'uploaded', status: 0, ...fileList });
    }
  }

  #finish(recording: Recording, reason: ExitReason, status: number): void {
    recording.phase = 'exited';
    recording.status = status;
    recording.exitReason = reason;
    recording.exitedAtMs = this.#now();
    recording.idleTimer = null;
    this.#notify(recording, 11, SERVICE.cloud, { msgName: 'session_exit', exitStatus: status === RECORDING_STATUS.exited ? 0 : 1 });
  }

  #notify(recording: Recording, eventType: number, serviceType: number, details: Record<string, unknown>): void {
    this.#ctx.notifier.publish(recording.appId, {
      productId: PRODUCT_ID,
      eventType,
      payload: {
        cname: recording.cname,
        uid: recording.uid,
        sid: recording.sid,
        sequence: recording.sequence++,
        sendts: this.#now(),
        serviceType,
        details,
      },
    });
  }

  /**
   * The time of what is happening: a timer's own due time while it runs. An advance of the
   * virtual clock may run several timers at once, each must see the time it was due at so
   * chained steps (ready, then the first slice 600 ms later) keep their spacing.
   */
  #now(): number {
    return this.#firing ?? this.#ctx.clock.now();
  }

  #after(recording: Recording, at: number, fn: () => void): () => void {
    const cancel = this.#ctx.clock.at(at, () => {
      recording.timers.delete(cancel);
      const outer = this.#firing;
      this.#firing = at;
      try {
        fn();
      } finally {
        this.#firing = outer;
      }
    });
    recording.timers.add(cancel);
    return cancel;
  }

  #cancelAll(recording: Recording): void {
    for (const cancel of recording.timers) cancel();
    recording.timers.clear();
    recording.idleTimer = null;
    recording.slicePending = false;
  }
}
