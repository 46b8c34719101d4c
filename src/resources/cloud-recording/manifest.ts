// What the manifest loader checks of CloudRecording documents; light, so `validate` loads no more.
import type { KindManifest } from '../../manifest/kind-rules.ts';
import { uidOrAccount } from '../../manifest/kind-rules.ts';
import { kindValidator } from '../../manifest/schemas.ts';

const KIND = 'CloudRecording';

export const cloudRecordingManifest: KindManifest = {
  kind: KIND,
  rules: {
    validate: kindValidator(KIND),
    quota: { key: 'recordingsPerApp', noun: 'cloud recordings' },
    // A web page recording's cname only labels the recording; it joins no RTC channel.
    channelUser: (spec) => (spec.mode === 'web' ? undefined : uidOrAccount(spec)),
  },
};
