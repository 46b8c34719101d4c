// The emulator for the client's over-HTTP tests, with typed access to its control API.
import { startEmulator } from '../../src/emulator/server.ts';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/server.ts';
import type { RequestLogEntry as LoggedRequest } from '../../src/emulator/request-log.ts';

export type { LoggedRequest };


export interface EmulatedPlayer {
  id: string;
  appId: string;
  name?: string;
  channelName: string;
  status: string;
}

export interface Emulator {
  handle: EmulatorHandle;
  control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  requests(): Promise<LoggedRequest[]>;
  players(appId: string): Promise<EmulatedPlayer[]>;
  close(): Promise<void>;
}

export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const handle = await startEmulator({ behaviour: { listDelayMs: 0 }, ...options });
  // Every listener serves the control API; a test may have taken some of them down.
  const send = async (path: string, init: RequestInit): Promise<Response> => {
    let lastError: unknown;
    for (const url of Object.values(handle.urls)) {
      try {
        return await fetch(`${url}/_emulator${path}`, init);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };
  const control = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> => {
    const response = await send(path, {
      method,
      headers: { authorization: `Bearer ${handle.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    handle,
    control,
    requests: async () => (await control('GET', '/requests')) as LoggedRequest[],
    players: async (appId) => ((await control('GET', '/state')) as { players: EmulatedPlayer[] }).players.filter((p) => p.appId === appId),
    close: () => handle.close(),
  };
}

/** The most requests that arrived within any `windowMs` of each other. */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j += 1) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) >= windowMs) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}
