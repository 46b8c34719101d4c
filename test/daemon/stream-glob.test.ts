// The linear glob matcher must say what the regular expression it replaced said: `*` for any run
// of characters (none included, line breaks included), every other character for itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatches } from '../../src/daemon/stream-glob.ts';

/** The definition: the glob as an anchored regular expression (the daemon's former matcher). */
function reference(glob: string, name: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(name);
}

void describe('globMatches', () => {
  const table: Array<[glob: string, name: string, want: boolean, reason: string]> = [
    ['*', '', true, 'a lone star matches the empty name'],
    ['class*', 'class', true, 'a star matches no characters'],
    ['class*', 'xclass1', false, 'the text before the first star starts the name'],
    ['*-hd', 'a/b-hd', true, 'a star matches slashes'],
    ['*-hd', 'x-hd-sd', false, 'the text after the last star ends the name'],
    ['a.b', 'axb', false, 'a dot is only a dot'],
    ['a?b', 'axb', false, 'a question mark is only a question mark'],
    ['a?b', 'a?b', true, 'a question mark matches itself'],
    ['a*b*c', 'a123b456c', true, 'stars between literal parts'],
    ['a*b*c', 'a123c', false, 'every literal part must occur, in order'],
    ['ab*ba', 'aba', false, 'the first and last parts may not overlap'],
    ['*ab*ba*', 'aba', false, 'the parts between stars may not overlap either'],
    ['*aab*', 'xaaab', true, 'a part found after a false start'],
    ['*abcabd*', 'abcabcabd', true, 'a part whose prefix repeats'],
    ['(x)+', '(x)+', true, 'regular-expression syntax is literal'],
    ['a**b', 'ab', true, 'consecutive stars act as one'],
    ['*\n*', 'a\nb', true, 'a line break matches itself and stars span lines'],
    ['exact', 'exact', true, 'a glob without a star is an exact name'],
    ['exact', 'exact2', false, 'a glob without a star matches nothing longer'],
  ];
  for (const [glob, name, want, reason] of table) {
    void test(reason, () => {
      assert.equal(globMatches(glob, name), want, `${JSON.stringify(glob)} vs ${JSON.stringify(name)}`);
      assert.equal(reference(glob, name), want, 'the reference agrees with the table');
    });
  }

  // A small alphabet makes near-misses and repeated prefixes common, where matchers go wrong.
  // Letters come up most, so overlapping parts (`*aba*ba*` against `aba`) are generated often.
  const globText = fc.string({ unit: fc.constantFrom('a', 'b', 'a', 'b', '*', '*', '?', '.'), maxLength: 10 });
  const nameText = fc.string({ unit: fc.constantFrom('a', 'b', 'a', 'b', 'a', 'b', '?', '.', '\n'), maxLength: 14 });

  void test('agrees with the regular expression on random globs and names', () => {
    fc.assert(
      fc.property(globText, nameText, (glob, name) => globMatches(glob, name) === reference(glob, name)),
      { numRuns: 5000 },
    );
  });

  void test('agrees with the regular expression on names built from the glob, mostly matches', () => {
    const filled = globText.chain((glob) =>
      fc
        .array(nameText, { minLength: glob.split('*').length, maxLength: glob.split('*').length })
        .chain((fills) => fc.tuple(fc.constant(glob), fc.constant(glob.split('*').map((part, i) => (i === 0 ? part : `${fills[i] ?? ''}${part}`)).join('')), fc.nat(3)))
        .map(([g, name, cut]) => [g, cut === 0 && name.length > 0 ? name.slice(0, -1) : name] as const),
    );
    let matched = 0;
    fc.assert(
      fc.property(filled, ([glob, name]) => {
        const got = globMatches(glob, name);
        if (got) matched++;
        return got === reference(glob, name);
      }),
      { numRuns: 5000 },
    );
    assert.ok(matched > 2500, `the generator builds matching names (${matched} of 5000 matched)`);
  });

  void test('decides the name that froze the regular expression', () => {
    const glob = 'cam*-*-*-*-*-hd';
    const name = `cam${'-'.repeat(260)}`;
    assert.equal(globMatches(glob, name), false);
    assert.equal(globMatches(glob, `${name}hd`), true);
  });
});
