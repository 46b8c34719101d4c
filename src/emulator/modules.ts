// The emulated APIs, in the order their routes are registered.
import type { ApiModule } from './context.ts';
import { createFlsApi } from './fls/index.ts';
import { createMediaPullApi } from './media-pull/index.ts';
import { createRecordingApi } from './recording/index.ts';

export function createApiModules(): ApiModule[] {
  return [createMediaPullApi(), createRecordingApi(), createFlsApi()];
}
