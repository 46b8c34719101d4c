// Seeded randomness for the emulated world (fault probabilities, the partial-List share, the
// webhook's duplicates and reordering), so a run with the same seed behaves the same way.

/** Mulberry32: a small, fast 32-bit generator; plenty for test scenarios, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
