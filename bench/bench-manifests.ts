// The manifests the convergence benchmark applies: one Project per scenario family (its own App
// ID, so rate windows never mix), players spread over many channels, recordings one per
// channel, and the mixed change set. Written in block style, as people write manifests (the
// loader reads that subset with its fast parser; JSON-style flows go through the full `yaml`
// parser, at about 0.3 ms a document, which would be timed as part of every apply).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Limits } from '../src/agora/limits.ts';

/** Environment variables the manifests read secrets from; the benchmark's io.env holds them. */
export const SECRET_ENV = {
  customerSecret: 'BENCH_CUSTOMER_SECRET',
  storageAccessKey: 'BENCH_S3_ACCESS_KEY',
  storageSecretKey: 'BENCH_S3_SECRET_KEY',
} as const;

export const PROJECT = 'bench';
export const PLAYERS_PER_CHANNEL = 4;

export interface PlayerSpec {
  region: string;
  channelName: string;
  uid: number;
  streamUrl: string;
  idleTimeout: number;
}

export interface PlayerDoc {
  name: string;
  spec: PlayerSpec;
}

export function playerName(i: number): string {
  return `p-${i}`;
}

/** Player i of a family: PLAYERS_PER_CHANNEL players to a channel, so N players use N/4 channels. */
export function playerDoc(i: number): PlayerDoc {
  return {
    name: playerName(i),
    spec: {
      region: 'na',
      channelName: `ch${Math.floor(i / PLAYERS_PER_CHANNEL)}`,
      uid: 1000 + i,
      streamUrl: `rtmp://origin.example.com/live/${i}`,
      idleTimeout: 300,
    },
  };
}

export function playerDocs(count: number, first = 0): PlayerDoc[] {
  return Array.from({ length: count }, (_, k) => playerDoc(first + k));
}

/** How the mixed change set treats the players 0..N-1 it starts from, and what it adds. */
export interface MixedChanges {
  /** Players whose streamUrl changes: Agora updates it in place (PATCH). */
  update: number;
  /** Players whose region changes: not updatable, so delete then create. */
  replace: number;
  /** Players removed from the manifests. */
  remove: number;
  /** New players. */
  add: number;
}

export function mixedDocs(start: number, changes: MixedChanges): PlayerDoc[] {
  const docs: PlayerDoc[] = [];
  for (let i = 0; i < start; i++) {
    const doc = playerDoc(i);
    if (i < changes.update) doc.spec.streamUrl = `${doc.spec.streamUrl}-v2`;
    else if (i < changes.update + changes.replace) doc.spec.region = 'eu';
    else if (i < changes.update + changes.replace + changes.remove) continue;
    docs.push(doc);
  }
  return [...docs, ...playerDocs(changes.add, start)];
}

export interface RecordingDoc {
  name: string;
  cname: string;
  uid: number;
}

export function recordingDocs(count: number): RecordingDoc[] {
  return Array.from({ length: count }, (_, i) => ({ name: `rec-${i}`, cname: `room${i}`, uid: 900_000 + i }));
}

/** The start body's recording settings, shared by agoractl's manifests and the serial client. */
export const RECORDING_CONFIG = {
  channelType: 1,
  streamTypes: 2,
  // Longer than the benchmark: no recording exits on its own between two scenarios.
  maxIdleTime: 3600,
};

export const STORAGE = { vendor: 1, region: 0, bucket: 'bench-recordings' };

export function appIdFor(label: string): string {
  // 32 hexadecimal characters, one App ID per label: a longer label would share its first 16.
  if (label.length > 16) throw new RangeError(`App ID label ${label} is longer than 16 characters`);
  return Buffer.from(label.padEnd(16, '.').slice(0, 16)).toString('hex');
}

/** Writes the family's manifests folder: project.yaml plus one file of players and one of recordings. */
export async function writeManifests(
  folder: string,
  project: { appId: string; customerId: string; limits: Limits },
  players: readonly PlayerDoc[],
  recordings: readonly RecordingDoc[] = [],
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const projectDoc = {
    apiVersion: 'agoractl/v1',
    kind: 'Project',
    metadata: { name: PROJECT },
    spec: {
      appId: project.appId,
      customerId: project.customerId,
      customerSecret: { env: SECRET_ENV.customerSecret },
      limits: project.limits,
    },
  };
  const playerYaml = players.map((p) =>
    stringify({ apiVersion: 'agoractl/v1', kind: 'CloudPlayer', metadata: { name: p.name, project: PROJECT }, spec: p.spec }),
  );
  const recordingYaml = recordings.map((r) =>
    stringify({
      apiVersion: 'agoractl/v1',
      kind: 'CloudRecording',
      metadata: { name: r.name, project: PROJECT },
      spec: {
        channelName: r.cname,
        uid: r.uid,
        mode: 'mix',
        recordingConfig: RECORDING_CONFIG,
        storageConfig: { ...STORAGE, accessKey: { env: SECRET_ENV.storageAccessKey }, secretKey: { env: SECRET_ENV.storageSecretKey } },
      },
    }),
  );
  await writeFile(join(folder, 'project.yaml'), stringify(projectDoc));
  await writeFile(join(folder, 'players.yaml'), documents(playerYaml));
  await writeFile(join(folder, 'recordings.yaml'), documents(recordingYaml));
}

/** A file of documents; a file of none holds a comment (the loader reads it as no document). */
function documents(docs: readonly string[]): string {
  return docs.length === 0 ? '# none\n' : docs.join('---\n');
}
