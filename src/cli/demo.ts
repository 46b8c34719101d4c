// `npm start`: the README demo. Applies manifests/ to an emulator started in this process and
// prints the plan, the apply, and a second plan that finds nothing to change.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/server.ts';
import { runPlan } from './plan.ts';
import { runApply } from './apply.ts';
import { processIo, type Io } from './session.ts';

// Stand-ins for the credentials manifests/project.yaml reads from the environment; the
// emulator accepts these. Real values, when set, win.
const DEMO_ENV: Record<string, string> = {
  AGORA_APP_ID: '0123456789abcdef0123456789abcdef',
  AGORA_CUSTOMER_ID: 'demo-customer-id',
  AGORA_CUSTOMER_SECRET: 'demo-customer-secret',
  AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
  AGORA_NOTIFICATION_SECRET: 'demo-notification-secret',
  S3_ACCESS_KEY: 'demo-access-key',
  S3_SECRET_KEY: 'demo-secret-key',
};

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
