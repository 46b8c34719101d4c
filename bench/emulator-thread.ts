// The benchmark's emulator, on a thread of its own: Agora's servers do not run on agoractl's
// event loop, so the emulator must not either. In the same thread, every request's parsing,
// routing and logging on the server side took turns with agoractl's own work and lengthened
// the runs being measured. Started by BenchEmulator (bench-emulator.ts); answers its one
// message, 'close'.
import { parentPort, workerData } from 'node:worker_threads';
import { startEmulator, type EmulatorOptions } from '../src/emulator/server.ts';

/** What the thread reports once its emulator listens. */
export interface EmulatorThreadReady {
  url: string;
  controlToken: string;
  credentials: { customerId: string; customerSecret: string };
}

const port = parentPort;
if (!port) throw new Error('bench/emulator-thread.ts runs as a worker thread (BenchEmulator starts it)');
const handle = await startEmulator(workerData as EmulatorOptions);
const ready: EmulatorThreadReady = { url: handle.url, controlToken: handle.controlToken, credentials: handle.credentials };
port.postMessage(ready);
port.once('message', () => {
  void handle.close().finally(() => port.close());
});
