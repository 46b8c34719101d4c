// The emulated FLS API as an emulator module: entry points and their pull-from-origin settings.
import type { ApiModule } from '../context.ts';
import { EntryPoints } from './origin-site.ts';
import { registerFlsRoutes } from './routes.ts';

export function createFlsApi(): ApiModule {
  const entryPoints = new EntryPoints();
  return {
    name: 'fls',
    register(app, ctx) {
      registerFlsRoutes(app, ctx, entryPoints);
    },
    snapshot() {
      return { originSites: entryPoints.snapshot() };
    },
    reset() {
      entryPoints.clear();
    },
  };
}
