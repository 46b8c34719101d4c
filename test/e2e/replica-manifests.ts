// Manifests and probes shared by the replica tests and bench/replicas.ts: `count` projects p0..,
// each with its own App ID and `players` players named p<i>-player<j>.
import type { Daemon } from './daemon-harness.ts';
import { projectDocument } from './daemon-harness.ts';

export function replicaAppId(index: number): string {
  return (index + 1).toString(16).padStart(32, 'a');
}

export function replicaPlayerName(project: number, player: number): string {
  return `p${project}-player${player}`;
}

/** File name to YAML text, one file per project. */
export function replicaManifests(count: number, players: number, limits?: Record<string, unknown>): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) {
    const project = projectDocument(limits) as { metadata: { name: string }; spec: Record<string, unknown> };
    project.metadata.name = `p${i}`;
    project.spec['appId'] = replicaAppId(i);
    const docs = [JSON.stringify(project)];
    for (let j = 0; j < players; j += 1) {
      docs.push(
        JSON.stringify({
          apiVersion: 'agoractl/v1',
          kind: 'CloudPlayer',
          metadata: { name: replicaPlayerName(i, j), project: `p${i}` },
          spec: { region: 'na', channelName: `c${i}`, uid: j + 1, streamUrl: `rtmp://origin.example.com/live/p${i}-${j}`, token: { generate: true }, idleTimeout: 300 },
        }),
      );
    }
    files[`p${i}.yaml`] = docs.join('\n---\n');
  }
  return files;
}

/** The projects a replica says it leads (GET /status). */
export async function replicaLeads(daemon: Daemon): Promise<string[]> {
  return ((await (await fetch(`${daemon.url}/status`)).json()) as { replica: { leads: string[] } }).replica.leads;
}
