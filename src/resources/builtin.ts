// The kinds agoractl ships with: the one list of them. A new kind adds one entry here and is
// otherwise its own folder, its schema, its API module and its emulator module
// (docs/adding-a-kind.md). Each entry's manifest rules are light; its module (diff, execute,
// observe, and the Agora client they use) loads only for commands that talk to Agora, so
// `validate` starts fast.
import type { ManifestKinds, KindManifest } from '../manifest/kind-rules.ts';
import type { KindModule } from './kind.ts';
import { KindRegistry } from './registry.ts';
import { cloudPlayerManifest } from './cloud-player/manifest.ts';
import { cloudRecordingManifest } from './cloud-recording/manifest.ts';
import { originSiteManifest } from './origin-site/manifest.ts';

export interface BuiltInKindOptions {
  /** How long a new player may be missing from List before it counts as gone (ms). */
  listLagMs?: number;
}

const BUILT_IN: ReadonlyArray<{ manifest: KindManifest; load(options: BuiltInKindOptions): Promise<KindModule> }> = [
  { manifest: cloudPlayerManifest, load: async (o) => (await import('./cloud-player/index.ts')).createCloudPlayerModule(o) },
  { manifest: cloudRecordingManifest, load: async () => (await import('./cloud-recording/index.ts')).createCloudRecordingModule() },
  { manifest: originSiteManifest, load: async () => (await import('./origin-site/index.ts')).createOriginSiteModule() },
];

/** The built-in kinds' manifest rules, without loading their modules. */
export function builtInManifestKinds(): ManifestKinds {
  return new Map(BUILT_IN.map((entry) => [entry.manifest.kind, entry.manifest.rules]));
}

export async function builtInKinds(options: BuiltInKindOptions = {}): Promise<KindRegistry> {
  return new KindRegistry(await Promise.all(BUILT_IN.map((entry) => entry.load(options))));
}
