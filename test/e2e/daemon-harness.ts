// A real `agoractl reconcile --watch` process against an emulator in the test process, with its
// manifests, state and webhook on disk and loopback: what a user runs, observed from outside.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO } from '../support/cli.ts';
import type { TestEmulator } from '../emulator/helpers.ts';

export const APP_ID = '0123456789abcdef0123456789abcdef';
export const NOTIFICATION_SECRET = 'test-notification-secret';

export function daemonEnv(emulator: TestEmulator): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    AGORACTL_ENDPOINTS: emulator.handle.url,
    AGORA_APP_ID: APP_ID,
    AGORA_CUSTOMER_ID: emulator.handle.credentials.customerId,
    AGORA_CUSTOMER_SECRET: emulator.handle.credentials.customerSecret,
    AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
    AGORA_NOTIFICATION_SECRET: NOTIFICATION_SECRET,
  };
}

export function projectYaml(limits?: Record<string, unknown>): string {
  return JSON.stringify(projectDocument(limits));
}

/** A Project whose credentials and notification secret come from daemonEnv. */
export function projectDocument(limits?: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'agoractl/v1',
    kind: 'Project',
    metadata: { name: 'prod' },
    spec: {
      appId: { env: 'AGORA_APP_ID' },
      customerId: { env: 'AGORA_CUSTOMER_ID' },
      customerSecret: { env: 'AGORA_CUSTOMER_SECRET' },
      appCertificate: { env: 'AGORA_APP_CERTIFICATE' },
      notifications: { secret: { env: 'AGORA_NOTIFICATION_SECRET' } },
      ...(limits && Object.keys(limits).length > 0 ? { limits } : {}),
    },
  };
}

export function playerYaml(name: string, uid: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'agoractl/v1',
    kind: 'CloudPlayer',
    metadata: { name, project: 'prod' },
    spec: { region: 'na', channelName: 'class32', uid, streamUrl: `rtmp://origin.example.com/live/${name}`, token: { generate: true }, idleTimeout: 60, ...extra },
  });
}

export interface LogLine {
  event?: string;
  [field: string]: unknown;
}

export class Daemon {
  readonly logs: LogLine[] = [];
  stderr = '';
  url = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ event: 'unparsed', line });
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.url ||= /serving (http:\/\/[^\s]+) /.exec(this.stderr)?.[1] ?? '';
    });
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Resolves once a log line matches; fails after `timeoutMs` with what the daemon said. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(() => this.logs.find(match), timeoutMs, () => `no matching log line; stderr: ${this.stderr}\nlogs: ${JSON.stringify(this.logs.slice(-10))}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

export async function startDaemon(dir: string, statePath: string, emulator: TestEmulator, args: string[] = []): Promise<Daemon> {
  const child = spawn(
    process.execPath,
    [join(REPO, 'bin/agoractl.js'), 'reconcile', '-f', dir, '--state', statePath, '--watch', '--listen', '127.0.0.1:0', '--log-format', 'json', '--list-lag', '1', ...args],
    { cwd: REPO, env: daemonEnv(emulator), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const daemon = new Daemon(child);
  await waitFor(() => daemon.url || undefined, 20_000, () => `daemon did not start: ${daemon.stderr}`);
  await waitFor(async () => ((await fetch(`${daemon.url}/readyz`)).status === 200 ? true : undefined), 20_000, () => `daemon never ready: ${daemon.stderr}`);
  return daemon;
}

/** Polls `probe` until it returns something; the deadline only bounds a broken run. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(50);
  }
}
