// The fast parser must agree with the `yaml` package on every text it accepts (same values,
// same document positions, and `yaml` sees no error), and hand everything else back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { parsePlainYaml } from '../../src/manifest/plain-yaml.ts';
import { FIXTURES } from './helpers.ts';

interface Reference {
  errors: number;
  documents: Array<{ value: unknown; line: number; column: number }>;
}

function viaYaml(text: string): Reference {
  const lineCounter = new LineCounter();
  const documents = Array.from(parseAllDocuments(text, { lineCounter }));
  return {
    errors: documents.reduce((sum, document) => sum + document.errors.length, 0),
    // An empty document is a null root to yaml; manifests skip it, and so does the fast parser.
    documents: documents
      .filter((document) => document.contents !== null && document.contents.range !== undefined && document.toJS() !== null)
      .map((document) => {
        const { line, col } = lineCounter.linePos(document.contents?.range?.[0] ?? 0);
        return { value: document.toJS() as unknown, line, column: col };
      }),
  };
}

/** The property: accepted texts parse as `yaml` parses them. */
function agrees(text: string): boolean {
  const fast = parsePlainYaml(text);
  if (fast === null) return true;
  const reference = viaYaml(text);
  assert.equal(reference.errors, 0, `yaml refuses a text the fast parser accepted:\n${text}`);
  assert.deepStrictEqual(fast, reference.documents, `different documents for:\n${text}`);
  return true;
}

const corpus = [
  ...readdirSync('manifests').map((name) => join('manifests', name)),
  ...readdirSync(join(FIXTURES, 'complete'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(FIXTURES, 'complete', name)),
  join(FIXTURES, 'project.yaml'),
  join(FIXTURES, 'duplicate', 'players-a.yaml'),
].map((file) => readFileSync(file, 'utf8'));

describe('the fast plain-YAML parser', () => {
  test('reads every example and fixture manifest itself, exactly as yaml does', () => {
    for (const text of corpus) {
      assert.notEqual(parsePlainYaml(text), null, `fell back to yaml for:\n${text}`);
      agrees(text);
    }
  });

  test('resolves plain scalars as the YAML 1.2 core schema does', () => {
    const text = [
      'a: ~', 'b: null', 'c: True', 'd: FALSE', 'e: 0o17', 'f: 0x1F', 'g: -12', 'h: +5', 'i: 1.50', 'j: .5', 'k: 1e3', 'l: -.inf', 'm: .NaN',
      'n: yes', 'o: 1_000', 'p: 0b101', 'q: 1.2.3', "r: 'it''s'", 's: "tab\\tand \\u00e9"', 't: a#b', 'u: rtmp://x/y?z=1 # note', 'v: []', 'w: {}',
      'x: [a, "b, c", {k: v}, ]',
    ].join('\n');
    assert.notEqual(parsePlainYaml(text), null);
    agrees(text);
  });

  const outside: Array<[string, string]> = [
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['block scalars', 'a: |\n  text\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['flow collections over several lines', 'a: [1,\n  2]\n'],
    ['quoted keys', '"a": 1\n'],
    ['tabs', 'a:\t1\n'],
    ['Windows line ends', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['repeated keys', 'a: 1\na: 2\n'],
    ['keys that YAML reads as null or booleans', 'null: 1\n'],
    ['a colon inside a plain value', 'a: b: c\n'],
    ['a root scalar', 'just text\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['indentation with a no-break space', '\u00a0a: 1\n'],
    ['content on the --- line', '--- a: 1\n'],
    ['odd indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a comment without a space before it', 'a: "x"# c\n'],
    ['double-quoted escapes beyond the common ones', 'a: "\\x41"\n'],
  ];
  for (const [what, text] of outside) {
    test(`hands ${what} to yaml`, () => {
      assert.equal(parsePlainYaml(text), null);
    });
  }

  // Mostly what manifests hold (identifier keys, short printable values), with YAML's special
  // characters and a few keys and values the fast parser must refuse.
  const key = fc.oneof(
    { weight: 30, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,10}$/) },
    { weight: 1, arbitrary: fc.constantFrom('null', 'True', '1', 'a b', 'x:y', '__proto__', '', '#k', '-', 'é') },
  );
  const text = fc.string({ unit: fc.constantFrom(...'abcXYZ019 :#-_/.,"\'[]{}?@&*!|>%`~é'.split('')), maxLength: 10 });
  const scalar = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    text,
    fc.constantFrom('true', '~', '1e3', '0x1F', '0o7', '.inf', '#x', 'a: b', 'a #b', ' lead', 'trail ', '- x', '-1', '"q"', "'", '@x', '`x', 'rtmp://x/y', 'é ü', '[a]', '{a}', 'a,b', '?', ':'),
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
  }));
  const options = fc.record({
    indent: fc.constantFrom(2, 4),
    indentSeq: fc.boolean(),
    collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
    lineWidth: fc.constantFrom(0, 80),
    flowCollectionPadding: fc.boolean(),
  } as const);

  test('agrees with yaml on generated documents in every style yaml writes', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), { minLength: 1, maxLength: 3 }), options, (documents, style) => {
        return agrees(documents.map((document) => stringify(document, style)).join('---\n'));
      }),
      { numRuns: 1000 },
    );
  });

  test('agrees with yaml on damaged manifests: accepts only what yaml reads the same way', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 2 }),
      // Unicode spaces are content to YAML, not indentation or padding.
      insert: fc.constantFrom('', ':', ': ', '-', '- ', ' ', '  ', '#', ' #', '{', '}', '[', ']', ',', '"', "'", '\n', '\n  ', '&', '*', '!', '|', '>', '%', '@', '---\n', '\t', 'x', '\u00a0', ' \u3000', '\u2003 '),
    });
    fc.assert(
      fc.property(fc.nat({ max: corpus.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (index, edits) => {
        let text = corpus[index] ?? '';
        for (const { at, remove, insert } of edits) {
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        return agrees(text);
      }),
      { numRuns: 1500 },
    );
  });
});
