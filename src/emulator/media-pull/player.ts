// A cloud player as the emulator keeps it, and the views of it Agora shows: the Create answer,
// List entries (full or partial), notification payloads and the control API's state view.
// Fields and their meaning: media-pull-rest-api.txt and agora-facts.md "Media Pull".

export const REGIONS = ['cn', 'ap', 'na', 'eu'] as const;
export type Region = (typeof REGIONS)[number];

export type PlayerStatus = 'idle' | 'connecting' | 'running' | 'failed';

export type DestroyReason = 'Delete Request' | 'Internal Error' | 'Idle Timeout' | 'Stream Stopped';

export interface AudioOptions {
  profile?: number;
  volume?: number;
}

export interface VideoOptions {
  width?: number;
  height?: number;
  widthHeightAdaption?: boolean;
  frameRate?: number;
  bitrate?: number;
  gop?: number;
  codec?: string;
  fillMode?: 'fit' | 'fill';
}

/** What a valid Create body sets, with Agora's defaults filled in. */
export interface PlayerSpec {
  channelName: string;
  uid?: number;
  account?: string;
  token?: string;
  name?: string;
  streamUrl: string;
  /** Seconds, already clamped to 5..600. */
  idleTimeout: number;
  playTs: number;
  repeatTime: number;
  seekPosition: number;
  tempo: number;
  audioOptions?: AudioOptions;
  videoOptions?: VideoOptions;
  encryptMode?: string;
  encryptKey?: string;
  encryptKdfSalt?: string;
  dataStreamOptions?: { enable?: boolean };
}

/** Timers of one player on the virtual clock; each is a cancel function while armed. */
interface PlayerTimers {
  connect: (() => void) | null;
  end: (() => void) | null;
  idle: (() => void) | null;
}

export interface Player extends PlayerSpec {
  id: string;
  appId: string;
  region: Region;
  streamIp?: string;
  /** Unix seconds (virtual). */
  createTs: number;
  /** Virtual milliseconds at creation: List hides a player until listDelayMs after it. */
  createdAtMs: number;
  status: PlayerStatus;
  isPause: boolean;
  /** The highest Update sequence applied; null before the first Update. */
  sequence: number | null;
  /** A stable draw in 0..1: the player is listed partially while it is below partialListShare. */
  listDraw: number;

  // Playback of the stream (virtual time). An on-demand file ends after durationMs × repeatTime.
  /** Stream length when it connected; undefined for a live stream. */
  durationMs: number | undefined;
  /** Milliseconds of the stream played, repeats included. */
  playedMs: number;
  /** Virtual ms when the current stretch of playing began; null while not advancing. */
  playingSinceMs: number | null;
  /** Why the idle timer runs (it destroys the player with this reason); null while it does not. */
  idleReason: DestroyReason | null;
  /** Idle time left when the timer is held (a paused player's idle timer does not run). */
  idleLeftMs: number;
  idleDeadlineMs: number;
  timers: PlayerTimers;
  /** The player's List entry as JSON, cached until a listed field changes (see listedChanged). */
  listJson: string | null;
}

/** Call after a field that List shows (status, streamUrl) changed. */
export function listedChanged(player: Player): void {
  player.listJson = null;
}

/** The player's List entry, full or partial, as JSON; pages are joined from these. */
export function listEntryJson(player: Player, partial: boolean): string {
  if (partial) return JSON.stringify(partialListEntry(player));
  player.listJson ??= JSON.stringify(listEntry(player));
  return player.listJson;
}

export function newTimers(): PlayerTimers {
  return { connect: null, end: null, idle: null };
}

/** Connecting and running players are users of their channel. */
export function inChannel(status: PlayerStatus): boolean {
  return status === 'connecting' || status === 'running';
}

// The views below build plain objects field by field: List runs them for every player of
// every page, and object spreads cost far more here than the answers' JSON encoding.
type View = Record<string, unknown>;

function putUser(view: View, player: Player): View {
  if (player.account !== undefined) view.account = player.account;
  else view.uid = player.uid ?? 0;
  return view;
}

function putName(view: View, player: Player): View {
  if (player.name !== undefined) view.name = player.name;
  return view;
}

/** The 200 answer of Create (media-pull-rest-api.txt, Create response). */
export function createAnswer(player: Player) {
  const view = putUser({}, player);
  view.id = player.id;
  view.createTs = player.createTs;
  view.status = player.status;
  const userField = player.account !== undefined ? 'account' : 'uid';
  return { player: view, fields: `player.${userField},player.id,player.createTs,player.status` };
}

export function listEntry(player: Player): View {
  const view = putName({}, player);
  view.streamUrl = player.streamUrl;
  view.channelName = player.channelName;
  putUser(view, player);
  view.id = player.id;
  view.createTs = player.createTs;
  view.status = player.status;
  return view;
}

/** "The players field might only include id, name and createTs" (media-pull-rest-api.txt). */
export function partialListEntry(player: Player): View {
  const view: View = { id: player.id };
  putName(view, player);
  view.createTs = player.createTs;
  return view;
}

export function createdPayload(player: Player, lts: number) {
  const view: View = { channelName: player.channelName, createTs: player.createTs, id: player.id, idleTimeout: player.idleTimeout };
  putName(view, player);
  view.status = 'connecting';
  view.streamUrl = player.streamUrl;
  putUser(view, player);
  return { player: view, lts };
}

export function statusPayload(player: Player, lts: number) {
  const view = putName({ channelName: player.channelName, id: player.id }, player);
  view.status = player.status;
  return { player: view, lts };
}

export function destroyedPayload(player: Player, reason: DestroyReason, lts: number) {
  return { player: putName({ channelName: player.channelName, id: player.id }, player), destroyReason: reason, lts };
}

/** Everything the emulator knows about a player, for `GET /_emulator/state`. */
export function stateView(player: Player, nowMs: number) {
  const {
    timers: _timers,
    playingSinceMs,
    playedMs,
    idleLeftMs,
    idleDeadlineMs,
    idleReason,
    listDraw: _listDraw,
    createdAtMs: _createdAtMs,
    listJson: _listJson,
    ...fields
  } = player;
  const played = playedMs + (playingSinceMs === null ? 0 : (nowMs - playingSinceMs) * player.tempo);
  const idleInMs = idleReason === null ? null : player.timers.idle ? Math.max(0, idleDeadlineMs - nowMs) : idleLeftMs;
  return { ...fields, playedMs: Math.round(played), idleReason, destroyInMs: idleInMs };
}
