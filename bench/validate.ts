// How long `validate` takes for 10,000 CloudPlayer documents (100 files of 100 documents and
// one Project), measured in-process: the first run includes compiling the schemas. CPU time is
// printed too, since wall time on a shared machine also counts other processes.
//   npx tsx bench/validate.ts
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests } from '../src/manifest/index.ts';
import { builtInManifestKinds } from '../src/resources/builtin.ts';

const FILES = 100;
const PER_FILE = 100;
const TOTAL = FILES * PER_FILE;

function player(index: number): string {
  const channel = `class${Math.floor(index / 20)}`;
  return `apiVersion: agoractl/v1
kind: CloudPlayer
metadata:
  name: player-${index}
  project: bench
spec:
  region: na
  channelName: ${channel}
  uid: ${1000 + index}
  streamUrl: rtmp://origin.example.com/live/${channel}/${index}
  token: { generate: true }
  idleTimeout: 300
  audioOptions: { profile: 1, volume: 100 }
  videoOptions:
    width: 1280
    height: 720
    frameRate: 24
    bitrate: 1500
  restartPolicy: Always
`;
}

const folder = await mkdtemp(join(tmpdir(), 'agoractl-bench-'));
try {
  await writeFile(
    join(folder, 'project.yaml'),
    `apiVersion: agoractl/v1
kind: Project
metadata: { name: bench }
spec:
  appId: { env: AGORA_APP_ID }
  customerId: { env: AGORA_CUSTOMER_ID }
  customerSecret: { env: AGORA_CUSTOMER_SECRET }
  limits: { playersPerProject: ${TOTAL} }
`,
  );
  for (let file = 0; file < FILES; file++) {
    const documents = Array.from({ length: PER_FILE }, (_, offset) => player(file * PER_FILE + offset));
    await writeFile(join(folder, `players-${String(file).padStart(3, '0')}.yaml`), documents.join('---\n'));
  }

  for (const run of ['first run (compiles the schemas)', 'second run']) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await loadManifests([folder], builtInManifestKinds());
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (result.errors.length > 0 || result.desired.resources.length !== TOTAL) {
      throw new Error(`expected ${TOTAL} valid players, got ${result.desired.resources.length} and ${result.errors.length} errors`);
    }
    console.log(`${run}: ${TOTAL} CloudPlayer documents validated in ${ms.toFixed(0)} ms, ${cpuMs.toFixed(0)} ms CPU (${Math.round(TOTAL / (ms / 1000))} documents/s)`);
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}
