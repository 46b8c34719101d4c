// What the manifest loader checks of CloudRecording documents; light, so `validate` loads no more.
import { uidOrAccount, type ChannelUser, type KindManifest, type KindManifestRules } from '../../manifest/kind-rules.ts';
import { kindValidator } from '../../manifest/schemas.ts';

const KIND = 'CloudRecording';

export const cloudRecordingRules: KindManifestRules = {
  validate: kindValidator(KIND),
  quota: { key: 'recordingsPerApp', noun: 'cloud recordings' },
  channelUser,
};

/** A web page recording's cname only labels the recording: it joins no RTC channel as its uid. */
function channelUser(spec: Record<string, unknown>): ChannelUser | undefined {
  return spec.mode === 'web' ? undefined : uidOrAccount(spec);
}

export const cloudRecordingManifest: KindManifest = { kind: KIND, rules: cloudRecordingRules };
