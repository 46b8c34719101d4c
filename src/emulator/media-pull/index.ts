// The emulated Media Pull ("cloud player") API as an emulator module: its routes, its players
// and their life on the virtual clock.
import type { ApiModule } from '../context.ts';
import { PlayerLifecycle } from './lifecycle.ts';
import { stateView } from './player.ts';
import { registerMediaPullRoutes } from './routes.ts';
import { PlayerStore } from './store.ts';

export function createMediaPullApi(): ApiModule {
  const store = new PlayerStore();
  let lifecycle: PlayerLifecycle | null = null;
  let now: () => number = Date.now;
  return {
    name: 'media-pull',
    register(app, ctx) {
      lifecycle = new PlayerLifecycle(ctx, store);
      now = () => ctx.clock.now();
      registerMediaPullRoutes(app, ctx, store, lifecycle);
    },
    snapshot() {
      const at = now();
      return { players: [...store.all()].map((player) => stateView(player, at)) };
    },
    reset() {
      lifecycle?.reset();
      store.clear();
    },
  };
}
