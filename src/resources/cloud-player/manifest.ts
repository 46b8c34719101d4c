// What the manifest loader checks of CloudPlayer documents; light, so `validate` loads no more.
import type { KindManifest } from '../../manifest/kind-rules.ts';
import { uidOrAccount } from '../../manifest/kind-rules.ts';
import { kindValidator } from '../../manifest/schemas.ts';

const KIND = 'CloudPlayer';

export const cloudPlayerManifest: KindManifest = {
  kind: KIND,
  rules: {
    validate: kindValidator(KIND),
    defaults: ['restartPolicy'],
    quota: { key: 'playersPerProject', noun: 'cloud players' },
    channelUser: uidOrAccount,
  },
};
