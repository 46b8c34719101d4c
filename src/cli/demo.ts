// `npm start`: the README demo. Applies manifests/ to an emulator started in this process and
// prints the plan, the apply, and a second plan that finds nothing to change.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/server.ts';
import { runPlan } from './plan.ts';
import { runApply } from './apply.ts';
import { processIo, type Io } from './session.ts';
import { DEMO_ENV } from './demo-env.ts';


const env = { ...DEMO_ENV, ...process.env };
const emulator = await startEmulator({ customerId: env.AGORA_CUSTOMER_ID, customerSecret: env.AGORA_CUSTOMER_SECRET });
const stateDir = await mkdtemp(join(tmpdir(), 'agoractl-demo-'));
const io: Io = { ...processIo, env: { ...env, AGORACTL_ENDPOINTS: emulator.url }, isTty: false };
const common = { file: ['manifests/'], state: join(stateDir, 'state.json'), output: 'text' as const };

const step = (title: string): void => io.out(`\n\x1b[1m$ ${title}\x1b[0m\n`);
try {
  io.out(`Agora emulator on ${emulator.url}; state in ${common.state}`);
  step('agoractl plan -f manifests/');
  await runPlan(common, io);
  step('agoractl apply -f manifests/ --auto-approve');
  const applied = await runApply({ ...common, autoApprove: true }, io);
  step('agoractl plan -f manifests/ --detailed-exitcode');
  const again = await runPlan({ ...common, detailedExitcode: true }, io);
  io.out(`\n(exit code ${again}: ${again === 0 ? 'Agora matches the manifests' : 'changes remain'})`);
  process.exitCode = applied === 0 && again === 0 ? 0 : 1;
} finally {
  await emulator.close();
  await rm(stateDir, { recursive: true, force: true });
}
