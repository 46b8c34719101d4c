// The CloudRecording kind: Cloud Recording sessions kept running while their manifest says so
// (cloud-recording-rest-api.txt, agora-facts.md "Cloud Recording").
import type { KindModule } from '../kind.ts';
import { diffRecording } from './diff.ts';
import { executeRecording } from './execute.ts';
import { KIND } from './model.ts';
import { observeRecordings, refreshRecording } from './observe.ts';

export function createCloudRecordingModule(): KindModule {
  return {
    kind: KIND,
    quota: 'recordingsPerApp',
    observe: observeRecordings,
    diff: diffRecording,
    execute: executeRecording,
    refresh: refreshRecording,
  };
}
