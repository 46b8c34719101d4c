// The Cloud Recording world: acquired resources and the recordings started on them.
import type { Layout } from './layout.ts';
import type { StartConfig } from './start-config.ts';
import type { RecordingMode, Subscriptions } from './validate.ts';

/** One acquire: a resourceId, valid for one start within five minutes. */
export interface Resource {
  resourceId: string;
  appId: string;
  cname: string;
  uid: string;
  acquiredAtMs: number;
  scene: number;
  resourceExpiredHour: number;
  startParameter?: Record<string, unknown>;
  /** The recording started with it; a resourceId serves one recording only. */
  sid: string | null;
}

export type RecordingPhase = 'running' | 'stopping' | 'exited';
export type ExitReason = 'stopped' | 'idle' | 'invalidConfig' | 'maxRecordingHour';

/** A file as Agora lists it in json fileList mode and in the uploaded notification. */
export interface RecordedFile {
  fileName: string;
  trackType: 'audio' | 'video' | 'audio_and_video';
  uid: string;
  mixedAllUser: boolean;
  isPlayable: boolean;
  sliceStartTime: number;
}

export interface Recording {
  appId: string;
  resourceId: string;
  sid: string;
  cname: string;
  uid: string;
  mode: RecordingMode;
  config: StartConfig;
  /** serverResponse.status: 0..8 and 20 (agora-facts.md). */
  status: number;
  phase: RecordingPhase;
  startedAtMs: number;
  /** query/update/updateLayout/stop work until then (acquire's resourceExpiredHour after start). */
  usableUntilMs: number;
  /** When the first slice was recorded; null while nothing has been recorded. */
  sliceStartMs: number | null;
  files: RecordedFile[];
  subscriptions: Subscriptions;
  layout: Layout | null;
  onhold: boolean;
  rtmpUrls: string[];
  lastQueryAtMs: number | null;
  exitedAtMs: number | null;
  exitReason: ExitReason | null;
  /** Sequence number of the next notification (payload.sequence counts from 0). */
  sequence: number;
  /** Cancels of this recording's pending timers. */
  timers: Set<() => void>;
  idleTimer: (() => void) | null;
  slicePending: boolean;
}

export class RecordingStore {
  readonly #resources = new Map<string, Resource>();
  readonly #recordings = new Map<string, Recording>();

  addResource(resource: Resource): void {
    this.#resources.set(resource.resourceId, resource);
  }

  resource(resourceId: string): Resource | undefined {
    return this.#resources.get(resourceId);
  }

  add(recording: Recording): void {
    this.#recordings.set(recording.sid, recording);
  }

  bySid(sid: string): Recording | undefined {
    return this.#recordings.get(sid);
  }

  all(): IterableIterator<Recording> {
    return this.#recordings.values();
  }

  /** Running recordings of a channel (the ones its occupancy matters to). */
  *inChannel(appId: string, cname: string): Generator<Recording> {
    for (const recording of this.#recordings.values()) {
      if (recording.appId === appId && recording.cname === cname && recording.phase !== 'exited') yield recording;
    }
  }

  runningCount(appId: string): number {
    let count = 0;
    for (const recording of this.#recordings.values()) if (recording.appId === appId && recording.phase === 'running') count++;
    return count;
  }

  runningWith(appId: string, cname: string, uid: string): Recording | undefined {
    for (const recording of this.#recordings.values()) {
      if (recording.appId === appId && recording.cname === cname && recording.uid === uid && recording.phase === 'running') return recording;
    }
    return undefined;
  }

  clear(): void {
    this.#resources.clear();
    this.#recordings.clear();
  }
}
