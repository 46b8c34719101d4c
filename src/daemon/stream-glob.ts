// Matching of OriginSite route globs against the stream names anyone on the internet may send to
// the FLS callback. A glob turned into a backtracking regular expression (`cam*-*-*-*-*-hd`)
// takes exponential time on a hostile name (`cam` and hundreds of dashes froze the daemon for a
// minute and a half), so globs are matched here without backtracking.
//
// Only `*` is special: it matches any run of characters, none included. Every other character,
// `?` too, matches only itself. Characters are UTF-16 code units, as a regular expression without
// the `u` flag sees them.
//
// The algorithm: the glob is split at its stars into literal segments; the first must start the
// name, the last must end it, and each one between is found leftmost after the one before it.
// Taking the leftmost occurrence is never wrong, because a star before the next segment can absorb
// whatever a later choice would have skipped. Each search is Knuth-Morris-Pratt, whose pointer into
// the name never moves back, and each search starts where the previous one ended, so one match
// reads every character of the name at most twice and every character of the glob a bounded number
// of times: O(glob length + name length), with no worst case beyond that.

/** Whether `name` matches `glob`, in time linear in their lengths. */
export function globMatches(glob: string, name: string): boolean {
  const segments = glob.split('*');
  const first = segments[0] ?? '';
  if (segments.length === 1) return glob === name;
  const last = segments[segments.length - 1] ?? '';
  if (first.length + last.length > name.length) return false;
  if (!name.startsWith(first) || !name.endsWith(last)) return false;
  let from = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] ?? '';
    if (segment.length === 0) continue;
    const at = indexOfFrom(name, segment, from, end);
    if (at < 0) return false;
    from = at + segment.length;
  }
  return true;
}

/**
 * The first index ≥ `from` at which `needle` occurs wholly before `end` in `haystack`, or -1.
 * Knuth-Morris-Pratt rather than String.prototype.indexOf, whose worst case the language does not
 * bound.
 */
function indexOfFrom(haystack: string, needle: string, from: number, end: number): number {
  const fallback = failureTable(needle);
  let matched = 0;
  for (let i = from; i < end; i++) {
    const code = haystack.charCodeAt(i);
    while (matched > 0 && needle.charCodeAt(matched) !== code) matched = fallback[matched - 1] ?? 0;
    if (needle.charCodeAt(matched) === code) matched++;
    if (matched === needle.length) return i - needle.length + 1;
  }
  return -1;
}

/** For each prefix of `needle`, the length of its longest proper prefix that is also its suffix. */
function failureTable(needle: string): Uint32Array {
  const table = new Uint32Array(needle.length);
  let length = 0;
  for (let i = 1; i < needle.length; i++) {
    const code = needle.charCodeAt(i);
    while (length > 0 && needle.charCodeAt(length) !== code) length = table[length - 1] ?? 0;
    if (needle.charCodeAt(length) === code) length++;
    table[i] = length;
  }
  return table;
}
