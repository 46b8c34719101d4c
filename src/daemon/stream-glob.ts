// Matching of OriginSite route globs against the stream names anyone on the internet may send to
// the FLS callback. A glob turned into a backtracking regular expression (`cam*-*-*-*-*-hd`)
// takes time growing with the name's length to the power of its stars on a hostile name (`cam` and
// 260 dashes froze the daemon for a minute and a half), so globs are matched here without
// backtracking.
//
// Only `*` is special: it matches any run of characters, none included. Every other character,
// `?` too, matches only itself. Characters are UTF-16 code units, as a regular expression without
// the `u` flag sees them.
//
// The algorithm: the glob is split at its stars into literal segments; the first must start the
// name, the last must end it, and each one between is found leftmost after the one before it.
// Taking the leftmost occurrence is never wrong, because a star before the next segment can absorb
// whatever a later choice would have skipped. Each search is Knuth-Morris-Pratt, whose pointer into
// the name never moves back (its fallbacks are paid for by earlier advances), and each search starts
// where the previous one ended: one match is O(glob length + name length), with no worse case.
// Under the FLS callback's bounds (a stream_name of at most 1,024 characters, a route's stream of
// at most 256 by originsite.schema.json) that is a few thousand character comparisons at most.

/** A glob ready to match names: its parts split and searched for with precomputed tables. */
export interface StreamGlob {
  readonly glob: string;
  matches(name: string): boolean;
}

/** Whether `name` matches `glob`, in time linear in their lengths. */
export function globMatches(glob: string, name: string): boolean {
  return compileGlob(glob).matches(name);
}

/**
 * Prepares `glob` once (O(glob length)), so matching it against many names costs only the scan
 * of each name.
 */
export function compileGlob(glob: string): StreamGlob {
  const segments = glob.split('*');
  if (segments.length === 1) return { glob, matches: (name) => name === glob };
  const first = segments[0] ?? '';
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0).map(compileSegment);
  const fixed = first.length + last.length;
  return {
    glob,
    matches(name: string): boolean {
      if (fixed > name.length || !name.startsWith(first) || !name.endsWith(last)) return false;
      let from = first.length;
      const end = name.length - last.length;
      for (const segment of middle) {
        const at = segment.indexIn(name, from, end);
        if (at < 0) return false;
        from = at + segment.length;
      }
      return true;
    },
  };
}

interface Segment {
  length: number;
  /** The first index ≥ `from` at which the segment occurs wholly before `end`, or -1. */
  indexIn(haystack: string, from: number, end: number): number;
}

/**
 * Knuth-Morris-Pratt rather than String.prototype.indexOf, whose worst case the language does not
 * bound. `fallback[k]` is the length of the longest proper prefix of the segment's first k + 1
 * characters that is also their suffix.
 */
function compileSegment(segment: string): Segment {
  const codes = new Uint16Array(segment.length);
  for (let i = 0; i < segment.length; i++) codes[i] = segment.charCodeAt(i);
  const fallback = new Uint32Array(segment.length);
  let length = 0;
  for (let i = 1; i < codes.length; i++) {
    const code = codes[i];
    while (length > 0 && codes[length] !== code) length = fallback[length - 1] ?? 0;
    if (codes[length] === code) length++;
    fallback[i] = length;
  }
  return {
    length: codes.length,
    indexIn(haystack, from, end) {
      let matched = 0;
      for (let i = from; i < end; i++) {
        const code = haystack.charCodeAt(i);
        while (matched > 0 && codes[matched] !== code) matched = fallback[matched - 1] ?? 0;
        if (codes[matched] === code && ++matched === codes.length) return i - codes.length + 1;
      }
      return -1;
    },
  };
}
