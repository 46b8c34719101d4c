// The OriginSite kind: FLS pull-from-origin settings of one entry point (fls-pull-from-origin.txt).
import type { KindModule } from '../kind.ts';
import { diffOriginSite } from './diff.ts';
import { executeOriginSite } from './execute.ts';
import { KIND } from './model.ts';
import { observeOriginSites } from './observe.ts';

export function createOriginSiteModule(): KindModule {
  return {
    kind: KIND,
    observe: observeOriginSites,
    diff: diffOriginSite,
    execute: executeOriginSite,
  };
}
