// The media streams of the emulated internet (`PUT /_emulator/streams`). An unknown URL is a
// live stream that plays; a test marks one unplayable, or gives it a duration to make it an
// on-demand file that ends.
import type { StreamCatalog, StreamInfo } from './context.ts';

export class Streams implements StreamCatalog {
  #streams = new Map<string, StreamInfo>();
  #listeners = new Set<(url: string) => void>();

  get(url: string): StreamInfo {
    return this.#streams.get(url) ?? { playable: true };
  }

  set(url: string, info: StreamInfo): void {
    this.#streams.set(url, info.durationMs === undefined ? { playable: info.playable } : { ...info });
    for (const listener of [...this.#listeners]) listener(url);
  }

  onChange(listener: (url: string) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  snapshot(): ({ url: string } & StreamInfo)[] {
    return [...this.#streams].map(([url, info]) => ({ url, ...info }));
  }

  reset(): void {
    const urls = [...this.#streams.keys()];
    this.#streams.clear();
    for (const url of urls) for (const listener of [...this.#listeners]) listener(url);
  }
}
