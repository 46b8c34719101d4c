// Validation of Media Pull requests as Agora does it: every documented field, range, length
// and exclusion (media-pull-rest-api.txt; Agora's OpenAPI for media-pull; agora-facts.md),
// answered with 400 and a message. The two messages Agora documents are used verbatim.
import { isIP } from 'node:net';
import { isNumber, isObject } from '../json.ts';
import { REGIONS } from './player.ts';
import type { AudioOptions, PlayerSpec, Region, VideoOptions } from './player.ts';

export const MEDIA_PULL_MESSAGES = {
  streamUrl: "The 'streamUrl' parameter is incorrectly formatted.",
  channelName: 'The channelName parameter is invalid.',
  body: 'The request body must be {"player": {...}}.',
  userMissing: 'Set the uid or the account parameter of the player.',
  userBoth: 'Set either the uid or the account parameter of the player, not both.',
  sequence: 'The sequence parameter must be an integer greater than or equal to 0.',
  invalid: (field: string) => `The ${field} parameter is invalid.`,
  notUpdatable: (field: string) => `The ${field} parameter cannot be updated.`,
} as const;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

// Channel names and accounts: 89 characters (a-z, A-Z, 0-9, space and the punctuation listed
// in the API page), at most 64 bytes for a channel and 255 for an account.
const USER_CHARS = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{|}~,]+$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_UID = 2 ** 32 - 1;
const TEMPOS = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0];
const ENCRYPT_MODES = [
  'aes-128-xts',
  'aes-256-xts',
  'aes-128-ecb',
  'sm4-128-ecb',
  'aes-128-gcm',
  'aes-256-gcm',
  'aes-128-gcm2',
  'aes-256-gcm2',
];
const DAY_S = 86_400;
const PLAY_TS_AHEAD_S = 300;

export function checkRegion(region: string): Checked<Region> {
  return (REGIONS as readonly string[]).includes(region)
    ? { ok: true, value: region as Region }
    : fail(MEDIA_PULL_MESSAGES.invalid('region'));
}

/** `streamIp`: optional, a valid IPv4 address. */
export function checkStreamIp(streamIp: unknown): Checked<string | undefined> {
  if (streamIp === undefined) return { ok: true, value: undefined };
  if (typeof streamIp === 'string' && isIP(streamIp) === 4) return { ok: true, value: streamIp };
  return fail(MEDIA_PULL_MESSAGES.invalid('streamIp'));
}

/** A Create body at `createTs` (Unix seconds: playTs is checked against it). */
export function checkCreate(body: unknown, createTs: number): Checked<PlayerSpec> {
  if (!isObject(body) || !isObject(body.player)) return fail(MEDIA_PULL_MESSAGES.body);
  const p = body.player;

  const streamUrl = checkStreamUrl(p.streamUrl);
  if (!streamUrl.ok) return streamUrl;
  if (!isUserString(p.channelName, 64)) return fail(MEDIA_PULL_MESSAGES.channelName);

  const hasUid = p.uid !== undefined && p.uid !== null;
  const hasAccount = p.account !== undefined && p.account !== null;
  if (!hasUid && !hasAccount) return fail(MEDIA_PULL_MESSAGES.userMissing);
  if (hasUid && hasAccount) return fail(MEDIA_PULL_MESSAGES.userBoth);
  if (hasUid && !(typeof p.uid === 'number' && Number.isInteger(p.uid) && p.uid >= 0 && p.uid <= MAX_UID)) {
    return fail(MEDIA_PULL_MESSAGES.invalid('uid'));
  }
  if (hasAccount && !isUserString(p.account, 255)) return fail(MEDIA_PULL_MESSAGES.invalid('account'));

  const spec: PlayerSpec = {
    channelName: p.channelName,
    streamUrl: streamUrl.value,
    idleTimeout: 300,
    playTs: 0,
    repeatTime: 1,
    seekPosition: 0,
    tempo: 1,
  };
  if (hasUid) spec.uid = p.uid as number;
  else spec.account = p.account as string;

  if (p.name !== undefined && p.name !== null) {
    if (typeof p.name !== 'string' || !NAME.test(p.name)) return fail(MEDIA_PULL_MESSAGES.invalid('name'));
    spec.name = p.name;
  }
  if (p.token !== undefined && p.token !== null) {
    if (typeof p.token !== 'string') return fail(MEDIA_PULL_MESSAGES.invalid('token'));
    spec.token = p.token;
  }
  if (p.idleTimeout !== undefined) {
    if (!isNumber(p.idleTimeout)) return fail(MEDIA_PULL_MESSAGES.invalid('idleTimeout'));
    // Out of range is adjusted, not refused (media-pull-rest-api.txt, idleTimeout).
    spec.idleTimeout = Math.min(600, Math.max(5, p.idleTimeout));
  }
  if (p.playTs !== undefined) {
    if (!isNumber(p.playTs) || !Number.isInteger(p.playTs)) return fail(MEDIA_PULL_MESSAGES.invalid('playTs'));
    if (p.playTs !== 0 && (p.playTs < createTs - DAY_S || p.playTs > createTs + PLAY_TS_AHEAD_S)) {
      return fail(MEDIA_PULL_MESSAGES.invalid('playTs'));
    }
    spec.playTs = p.playTs;
  }
  if (p.repeatTime !== undefined) {
    const r = p.repeatTime;
    if (!(typeof r === 'number' && Number.isInteger(r) && (r === -1 || r >= 1))) return fail(MEDIA_PULL_MESSAGES.invalid('repeatTime'));
    spec.repeatTime = r;
  }
  const common = checkPlayback(p);
  if (!common.ok) return common;
  Object.assign(spec, common.value);

  if (p.videoOptions !== undefined) {
    const video = checkVideoOptions(p.videoOptions);
    if (!video.ok) return video;
    spec.videoOptions = video.value;
  }
  if (p.encryptMode !== undefined) {
    if (typeof p.encryptMode !== 'string' || !ENCRYPT_MODES.includes(p.encryptMode)) return fail(MEDIA_PULL_MESSAGES.invalid('encryptMode'));
    spec.encryptMode = p.encryptMode;
  }
  if (p.encryptKey !== undefined) {
    if (typeof p.encryptKey !== 'string') return fail(MEDIA_PULL_MESSAGES.invalid('encryptKey'));
    spec.encryptKey = p.encryptKey;
  }
  if (p.encryptKdfSalt !== undefined) {
    if (typeof p.encryptKdfSalt !== 'string') return fail(MEDIA_PULL_MESSAGES.invalid('encryptKdfSalt'));
    spec.encryptKdfSalt = p.encryptKdfSalt;
  }
  // The gcm2 modes need a salt (media-pull-rest-api.txt, encryptMode).
  if (spec.encryptMode?.endsWith('-gcm2') && !spec.encryptKdfSalt) return fail(MEDIA_PULL_MESSAGES.invalid('encryptKdfSalt'));
  if (p.dataStreamOptions !== undefined) {
    const d = p.dataStreamOptions;
    if (!isObject(d) || (d.enable !== undefined && typeof d.enable !== 'boolean')) {
      return fail(MEDIA_PULL_MESSAGES.invalid('dataStreamOptions'));
    }
    spec.dataStreamOptions = d.enable === undefined ? {} : { enable: d.enable };
  }
  return { ok: true, value: spec };
}

export interface PlayerUpdate {
  streamUrl?: string;
  audioOptions?: AudioOptions;
  isPause?: boolean;
  seekPosition?: number;
  tempo?: number;
}

const UPDATABLE = new Set(['streamUrl', 'audioOptions', 'isPause', 'seekPosition', 'tempo']);

/** An Update body (agora-facts.md "Update exists"): only the five updatable fields. */
export function checkUpdate(body: unknown): Checked<PlayerUpdate> {
  if (!isObject(body) || !isObject(body.player)) return fail(MEDIA_PULL_MESSAGES.body);
  const p = body.player;
  for (const field of Object.keys(p)) if (!UPDATABLE.has(field)) return fail(MEDIA_PULL_MESSAGES.notUpdatable(field));
  const update: PlayerUpdate = {};
  if (p.streamUrl !== undefined) {
    const streamUrl = checkStreamUrl(p.streamUrl);
    if (!streamUrl.ok) return streamUrl;
    update.streamUrl = streamUrl.value;
  }
  if (p.isPause !== undefined) {
    if (typeof p.isPause !== 'boolean') return fail(MEDIA_PULL_MESSAGES.invalid('isPause'));
    update.isPause = p.isPause;
  }
  const common = checkPlayback(p);
  if (!common.ok) return common;
  return { ok: true, value: { ...update, ...common.value } };
}

/** `sequence` of an Update: required, an integer ≥ 0. */
export function checkSequence(sequence: unknown): Checked<number> {
  if (typeof sequence !== 'string' || !/^\d{1,15}$/.test(sequence)) return fail(MEDIA_PULL_MESSAGES.sequence);
  return { ok: true, value: Number(sequence) };
}

/** Fields Create and Update share: audioOptions, seekPosition, tempo. */
function checkPlayback(p: Record<string, unknown>): Checked<Pick<PlayerUpdate, 'audioOptions' | 'seekPosition' | 'tempo'>> {
  const out: Pick<PlayerUpdate, 'audioOptions' | 'seekPosition' | 'tempo'> = {};
  if (p.audioOptions !== undefined) {
    const a = p.audioOptions;
    if (!isObject(a)) return fail(MEDIA_PULL_MESSAGES.invalid('audioOptions'));
    const audio: AudioOptions = {};
    if (a.profile !== undefined) {
      if (!isIntIn(a.profile, 0, 5)) return fail(MEDIA_PULL_MESSAGES.invalid('audioOptions.profile'));
      audio.profile = a.profile;
    }
    if (a.volume !== undefined) {
      if (!isIntIn(a.volume, 0, 200)) return fail(MEDIA_PULL_MESSAGES.invalid('audioOptions.volume'));
      audio.volume = a.volume;
    }
    out.audioOptions = audio;
  }
  if (p.seekPosition !== undefined) {
    if (!isNumber(p.seekPosition) || p.seekPosition < 0) return fail(MEDIA_PULL_MESSAGES.invalid('seekPosition'));
    out.seekPosition = p.seekPosition;
  }
  if (p.tempo !== undefined) {
    if (!isNumber(p.tempo) || !TEMPOS.includes(p.tempo)) return fail(MEDIA_PULL_MESSAGES.invalid('tempo'));
    out.tempo = p.tempo;
  }
  return { ok: true, value: out };
}

function checkVideoOptions(v: unknown): Checked<VideoOptions> {
  if (!isObject(v)) return fail(MEDIA_PULL_MESSAGES.invalid('videoOptions'));
  const ranges: Record<string, [number, number]> = {
    width: [66, 1920],
    height: [66, 1080],
    // docs-portal media-pull.zh-CN.yaml: minimum 5 (the English page says 1); the tighter one.
    frameRate: [5, 30],
    bitrate: [1, 10_000],
    gop: [1, 10],
  };
  const video: VideoOptions = {};
  for (const [field, [min, max]] of Object.entries(ranges)) {
    const value = v[field];
    if (value === undefined) continue;
    if (!isIntIn(value, min, max)) return fail(MEDIA_PULL_MESSAGES.invalid(`videoOptions.${field}`));
    video[field as 'width'] = value;
  }
  if (v.widthHeightAdaption !== undefined) {
    if (typeof v.widthHeightAdaption !== 'boolean') return fail(MEDIA_PULL_MESSAGES.invalid('videoOptions.widthHeightAdaption'));
    video.widthHeightAdaption = v.widthHeightAdaption;
  }
  if (v.codec !== undefined) {
    // Only H.264 exists; any other value still encodes H.264 (Agora's OpenAPI, codec).
    if (typeof v.codec !== 'string') return fail(MEDIA_PULL_MESSAGES.invalid('videoOptions.codec'));
    video.codec = v.codec;
  }
  if (v.fillMode !== undefined) {
    if (v.fillMode !== 'fit' && v.fillMode !== 'fill') return fail(MEDIA_PULL_MESSAGES.invalid('videoOptions.fillMode'));
    video.fillMode = v.fillMode;
  }
  return { ok: true, value: video };
}

/** An RTMP/HTTP/HTTPS URL of at most 1024 bytes; null and "" are refused like any bad value. */
function checkStreamUrl(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 1024) return fail(MEDIA_PULL_MESSAGES.streamUrl);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(MEDIA_PULL_MESSAGES.streamUrl);
  }
  if (!['rtmp:', 'http:', 'https:'].includes(url.protocol) || url.hostname === '') return fail(MEDIA_PULL_MESSAGES.streamUrl);
  return { ok: true, value };
}

function isUserString(value: unknown, maxBytes: number): value is string {
  return typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= maxBytes && USER_CHARS.test(value);
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
