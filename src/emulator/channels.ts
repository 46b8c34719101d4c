// Who is in a channel: users set through the control API plus occupants reported by the API
// modules (a connecting or running cloud player is a user of its channel). Cloud Recording
// listens to it, because a recording exits when its channel stays empty past maxIdleTime.
import type { ChannelDirectory } from './context.ts';

type Source = (appId: string, channelName: string) => number;
type Listener = (appId: string, channelName: string) => void;

export class Channels implements ChannelDirectory {
  // appId → channelName → users set by the control API.
  #users = new Map<string, Map<string, number>>();
  #sources: Source[] = [];
  #listeners = new Set<Listener>();

  occupancy(appId: string, channelName: string): number {
    let total = this.#users.get(appId)?.get(channelName) ?? 0;
    for (const source of this.#sources) total += source(appId, channelName);
    return total;
  }

  setUsers(appId: string, channelName: string, users: number): void {
    let byChannel = this.#users.get(appId);
    if (!byChannel) {
      byChannel = new Map();
      this.#users.set(appId, byChannel);
    }
    if (users === 0) byChannel.delete(channelName);
    else byChannel.set(channelName, users);
    this.changed(appId, channelName);
  }

  users(appId: string, channelName: string): number {
    return this.#users.get(appId)?.get(channelName) ?? 0;
  }

  addOccupantSource(source: Source): void {
    this.#sources.push(source);
  }

  changed(appId: string, channelName: string): void {
    for (const listener of [...this.#listeners]) listener(appId, channelName);
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Channels with users set through the control API, for the state view. */
  snapshot(): { appId: string; channelName: string; users: number }[] {
    const out: { appId: string; channelName: string; users: number }[] = [];
    for (const [appId, byChannel] of this.#users) {
      for (const [channelName, users] of byChannel) out.push({ appId, channelName, users });
    }
    return out;
  }

  /** Forgets the users set through the control API and tells listeners their channels changed. */
  reset(): void {
    const previous = this.snapshot();
    this.#users.clear();
    for (const { appId, channelName } of previous) this.changed(appId, channelName);
  }
}
