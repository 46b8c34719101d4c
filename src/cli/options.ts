// The options several commands share, and the parsers of every option value. A bad value is
// refused while the command line is parsed, before anything is loaded or sent, with commander's
// one line `error: option '--resync <seconds>' argument 'abc' is invalid. <why>` and exit 1.
// Durations have a floor and a ceiling: `--resync 0.001` would be a busy loop against Agora's
// rate limits, and a number of seconds past setTimeout's range fires at once.
import { createRequire } from 'node:module';
import type * as Net from 'node:net';
import { InvalidArgumentError, Option } from 'commander';

// node:net is loaded when an address is parsed, not by every command that imports these
// options: `validate` opens no socket and would pay for it at each start.
const isIP = (input: string): number => (createRequire(import.meta.url)('node:net') as typeof Net).isIP(input);

/** pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const PLAN_OUTPUTS = ['text', 'json', 'markdown'] as const;
export type PlanOutput = (typeof PLAN_OUTPUTS)[number];

/** How manifest errors are written (to stderr) under `-o`: a Markdown comment is a plan's only. */
export function manifestErrorFormat(output: PlanOutput): 'text' | 'json' {
  return output === 'json' ? 'json' : 'text';
}

const DAY_SECONDS = 86_400;

export interface SecondsRange {
  /** Smallest value allowed; 0 by default. */
  min?: number;
  /** Largest value allowed. */
  max: number;
}

/** A parser of a number of seconds within `range` (decimals allowed: `--list-lag 2.5`). */
export function secondsParser(range: SecondsRange): (value: string) => number {
  const min = range.min ?? 0;
  return (value) => {
    const seconds = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(seconds) || seconds < min || seconds > range.max) {
      throw new InvalidArgumentError(`Expected a number of seconds from ${min} to ${range.max}.`);
    }
    return seconds;
  };
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new InvalidArgumentError('Expected a port from 0 to 65535.');
  return port;
}

/**
 * `host:port`, `[ipv6]:port` or a bare port (on 127.0.0.1); answered as `host:port` with the
 * brackets of an IPv6 address removed, which is what a listener binds to.
 */
export function parseListen(value: string): string {
  const bracketed = /^\[([^\]]+)\]:([^:]+)$/.exec(value);
  const colon = value.lastIndexOf(':');
  const [host, port] = bracketed ? [bracketed[1] ?? '', bracketed[2] ?? ''] : colon < 0 ? ['127.0.0.1', value] : [value.slice(0, colon), value.slice(colon + 1)];
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!isHost(host) || (!bracketed && isIP(host) === 6) || !(portNumber <= 65_535)) {
    throw new InvalidArgumentError('Expected host:port with a port from 0 to 65535, such as 127.0.0.1:9464 or [::1]:9464.');
  }
  return `${host}:${portNumber}`;
}

/** A host name or an IP address to bind to. */
export function parseHost(value: string): string {
  if (!isHost(value)) throw new InvalidArgumentError('Expected a host name or an IP address, such as 127.0.0.1.');
  return value;
}

export function isHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return host.length > 0 && host.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host);
}

/**
 * Parses one `--target` (`kind/name` or `project/kind/name`) and appends it to those before.
 * `kinds` are the resource kinds agoractl manages, so a misspelt kind is caught here.
 */
export function targetParser(kinds: () => readonly string[]): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const parts = value.split('/');
    if ((parts.length !== 2 && parts.length !== 3) || parts.some((part) => part.trim() === '' || part !== part.trim())) {
      throw new InvalidArgumentError('Expected kind/name or project/kind/name, such as CloudPlayer/class32-101.');
    }
    const kind = parts[parts.length - 2] ?? '';
    const known = kinds();
    if (!known.includes(kind)) throw new InvalidArgumentError(`Unknown kind "${kind}"; the kinds are ${known.join(', ')}.`);
    return [...(previous ?? []), value];
  };
}

// ---- option definitions ----

/**
 * `-f/--file`, the manifests: commands that load them take several paths and need one; the
 * `state` commands take the one file or folder whose default state to use.
 */
export function fileOption(description = 'manifest files, folders or globs (repeatable)', paths: 'several' | 'one' = 'several'): Option {
  return paths === 'several' ? new Option('-f, --file <path...>', description).makeOptionMandatory() : new Option('-f, --file <path>', description);
}

export function stateOption(description = 'state file or postgres:// URL (default: $AGORACTL_STATE, else .agoractl/state.json in the manifest folder)', value: 'path' | 'url' = 'path'): Option {
  return new Option(`--state <${value}>`, description);
}

export function emulatorOption(): Option {
  return new Option('--emulator', 'start the Agora emulator in-process and point every project at it');
}

export function outputOption<const T extends readonly string[]>(formats: T, description: string, defaultFormat: T[number]): Option {
  return new Option('-o, --output <format>', description).choices(formats).default(defaultFormat);
}

export function logLevelOption(defaultLevel: LogLevel, description = 'log level of the JSON logs on stderr'): Option {
  return new Option('--log-level <level>', description).choices(LOG_LEVELS).default(defaultLevel);
}

/** `formats` from the logging module, which this one does not load: `validate` needs no logger. */
export function logFormatOption<const T extends readonly string[]>(formats: T, defaultFormat: T[number]): Option {
  return new Option('--log-format <format>', formats.join(' or ')).choices(formats).default(defaultFormat);
}

export function listLagOption(): Option {
  return new Option('--list-lag <seconds>', 'how long List may not yet show a new player (Agora: about 10 s)').argParser(secondsParser({ max: 600 })).default(15);
}

export function lockTimeoutOption(description = 'wait this long for another apply to release the state lock'): Option {
  return new Option('--lock-timeout <seconds>', description).argParser(secondsParser({ max: DAY_SECONDS })).default(0);
}

/** Agora's world moves (players end, recordings exit): a saved plan is trusted for minutes, not hours. */
export const DEFAULT_MAX_PLAN_AGE_SECONDS = 300;

export function maxPlanAgeOption(): Option {
  return new Option('--max-plan-age <seconds>', 'refuse a saved plan made longer ago than this')
    .argParser(secondsParser({ min: 1, max: DAY_SECONDS }))
    .default(DEFAULT_MAX_PLAN_AGE_SECONDS);
}

/** Folders `{ file: PATH }` secrets may be in besides the manifest folders (README "Running plan on pull requests"). */
export function allowSecretDirOption(): Option {
  return new Option('--allow-secret-dir <dir...>', 'a folder { file: PATH } secrets may be in besides the manifest folders (repeatable; also AGORACTL_SECRET_DIRS)');
}

/** Lets a manifest's Project.spec.endpoints other than loopback receive credentials. */
export function allowManifestEndpointsOption(): Option {
  return new Option('--allow-manifest-endpoints', 'send credentials to Project.spec.endpoints that are not loopback (https only); off for pull requests');
}

export function allowMassDeleteOption(): Option {
  return new Option('--allow-mass-delete', "allow deleting more than half of a kind's managed resources");
}

export function targetOption(kinds: () => readonly string[]): Option {
  return new Option('--target <kind/name...>', 'only these resources (kind/name or project/kind/name; repeatable)').argParser(targetParser(kinds));
}

/** The periodic resync: at least a second apart (a busy loop otherwise), at most a day. */
export function resyncOption(): Option {
  return new Option('--resync <seconds>', 'resync interval (default: derived from the List budget and the number of players)').argParser(secondsParser({ min: 1, max: DAY_SECONDS }));
}

export function shutdownGraceOption(): Option {
  return new Option('--shutdown-grace <seconds>', 'on SIGTERM, how long calls in flight may take to finish').argParser(secondsParser({ max: 3_600 })).default(20);
}

/** Replicas of a daemon on a PostgreSQL state give a project up this long after they stop renewing. */
export const LEASE_TTL_ENV = 'AGORACTL_LEASE_TTL';

export function leaseTtlOption(): Option {
  return new Option('--lease-ttl <seconds>', 'PostgreSQL state: how long a lease on a project outlives its holder (renewed every third of it)')
    .argParser(secondsParser({ min: 1, max: 3_600 }))
    .env(LEASE_TTL_ENV)
    .default(30);
}

export function listenOption(defaultListen: string): Option {
  return new Option('--listen <host:port>', 'health, metrics, webhook and FLS callback server').argParser(parseListen).default(defaultListen);
}

export function portOption(description: string): Option {
  return new Option('--port <n>', description).argParser(parsePort).default(0);
}
