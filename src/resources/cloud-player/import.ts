// Taking a player that exists in Agora under management (`agoractl import`). Agora has no call
// that returns one player, so it is found by its id in List (media-pull-rest-api.txt), read-only.
// What List shows decides: another name, channel or user cannot be changed in place (a replace),
// so the import is refused; another streamUrl is recorded as it is, and the next plan updates it.
import type { FieldChange, ImportInput, ImportResult } from '../kind.ts';
import { LIST_PAGE_SIZE, type ListedPlayer } from '../../agora/players.ts';
import { UPDATABLE, manifestAppliedSpec, playerHash, updatableValue, type CloudPlayerSpec, type PlayerData, type PlayerRecord } from './model.ts';

/** Fields of the player Agora runs that List returns and no Update changes. */
const FIXED = ['name', 'channelName', 'uid', 'account'] as const;

export async function importPlayer(input: ImportInput<CloudPlayerSpec>): Promise<ImportResult<PlayerRecord>> {
  const { desired, externalId } = input;
  if (input.resourceId !== undefined) return refused('--resource-id is for CloudRecording imports; a cloud player is named by its id alone');
  const listed = await findById(input, externalId);
  if (!listed) {
    return refused(`no cloud player with id ${externalId} in project ${desired.project} (List shows a new player only about 10 s after its create)`);
  }
  if (listed.channelName === undefined || listed.streamUrl === undefined || listed.status === undefined) {
    return refused(`List returned only the id, name and createTs of player ${externalId}: its channel and user cannot be compared with the manifest; try again`);
  }
  const spec = desired.spec;
  const fixed = fixedChanges(spec, desired.name, listed);
  if (fixed.length > 0) return refused(`player ${externalId} differs from the manifest in fields Agora cannot update in place`, fixed);

  const now = input.clock.now();
  const updates: FieldChange[] = [];
  if (listed.streamUrl !== spec.streamUrl) updates.push({ path: 'streamUrl', before: listed.streamUrl, after: spec.streamUrl });
  // seekPosition is where playing started, not a live setting: sending it again would seek.
  const unobserved = UPDATABLE.filter((path) => path !== 'streamUrl' && path !== 'seekPosition' && updatableValue(spec, path) !== undefined);
  for (const path of unobserved) updates.push({ path, after: updatableValue(spec, path) });
  const data: PlayerData = {
    region: spec.region,
    channelName: listed.channelName,
    // Updates by whoever made the player used sequences agoractl cannot see, and Agora keeps the
    // highest one: start from the Unix time, above any counter another client plausibly used.
    sequence: Math.floor(now / 1000),
    // Only what List showed counts as applied; the rest is sent by the next update.
    applied: { streamUrl: listed.streamUrl, ...(spec.seekPosition === undefined ? {} : { seekPosition: spec.seekPosition }) },
    createdAt: now,
    playStartedAt: listed.createTs,
    lastStatus: listed.status,
    seen: true,
    // What a later replace names its fields from: the manifest's, as a create records them.
    appliedSpec: manifestAppliedSpec(spec),
  };
  const notes = [
    `region ${spec.region} is the manifest's: no call shows a player's region`,
    'fields List does not return (token, idleTimeout, seekPosition, video, audio, encryption options) are taken as the manifest\'s',
  ];
  if (unobserved.length > 0) notes.push(`${unobserved.join(', ')} cannot be observed: the next apply sends the manifest's values`);
  if (listed.status === 'failed') notes.push('its status is failed: the next plan replaces it (restartPolicy)');
  return { type: 'recorded', externalId, specHash: playerHash(spec), data, updates, notes };
}

async function findById(input: ImportInput<CloudPlayerSpec>, id: string): Promise<ListedPlayer | undefined> {
  for await (const page of input.client.players.list({ pageSize: LIST_PAGE_SIZE })) {
    const hit = page.players.find((p) => p.id === id);
    if (hit) return hit;
  }
  return undefined;
}

/** The name is the player's identity in agoractl (List is matched by it), so it is fixed too. */
function fixedChanges(spec: CloudPlayerSpec, name: string, listed: ListedPlayer): FieldChange[] {
  const want: Record<(typeof FIXED)[number], unknown> = { name, channelName: spec.channelName, uid: spec.uid, account: spec.account };
  const changes: FieldChange[] = [];
  for (const path of FIXED) {
    const live = path === 'name' ? listed.name || undefined : listed[path];
    if (live !== want[path]) changes.push({ path, before: live, after: want[path] });
  }
  return changes;
}

function refused(reason: string, changes: FieldChange[] = []): ImportResult<PlayerRecord> {
  return { type: 'refused', reason, changes };
}
