// The emulated Cloud Recording API as an emulator module: its routes, the acquired resources
// and recordings, and their life on the virtual clock (they follow their channels' occupancy).
import type { ApiModule } from '../context.ts';
import { RecordingLifecycle } from './lifecycle.ts';
import { registerNcsIpRoute } from './ncs-ip.ts';
import { registerRecordingRoutes } from './routes.ts';
import type { RecordingRouteOptions } from './routes.ts';
import { RecordingStore } from './store.ts';
import { stateView } from './views.ts';

export interface RecordingApiOptions {
  /** See RecordingRouteOptions.stopRaceWindowMs. Default 1000 virtual ms. */
  stopRaceWindowMs?: number;
}

export function createRecordingApi(options: RecordingApiOptions = {}): ApiModule {
  const store = new RecordingStore();
  const routeOptions: RecordingRouteOptions = { stopRaceWindowMs: options.stopRaceWindowMs ?? 1_000 };
  let lifecycle: RecordingLifecycle | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    name: 'cloud-recording',
    register(app, ctx) {
      const current = new RecordingLifecycle(ctx, store);
      lifecycle = current;
      unsubscribe?.();
      unsubscribe = ctx.channels.onChange((appId, channelName) => current.channelChanged(appId, channelName));
      registerRecordingRoutes(app, ctx, store, current, routeOptions);
      registerNcsIpRoute(app);
    },
    snapshot() {
      return { recordings: [...store.all()].map(stateView) };
    },
    reset() {
      for (const recording of store.all()) lifecycle?.cancel(recording);
      store.clear();
    },
  };
}
