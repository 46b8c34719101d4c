// What the manifest loader checks of OriginSite documents; light, so `validate` loads no more.
import type { KindManifest } from '../../manifest/kind-rules.ts';
import { kindValidator } from '../../manifest/schemas.ts';
import { KIND } from './model.ts';

export const originSiteManifest: KindManifest = {
  kind: KIND,
  rules: { validate: kindValidator(KIND), defaults: ['deletionPolicy'] },
};
