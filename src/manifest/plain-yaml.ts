// A fast parser for the plain subset of YAML that manifests are written in: block mappings and
// sequences, one-line flow collections, plain and quoted one-line scalars, comments, `---`.
// The `yaml` package is the reference: it needs about 0.15 ms per small document, so 10,000
// players took over a second before validation began. This parser gives the same values as
// `yaml`'s core schema, or null when the text uses anything else (anchors, tags, block
// scalars, multi-line scalars or flows, quoted keys, tabs, duplicate keys, odd indentation,
// anything it is not sure of); the caller then parses the text with `yaml`, which also gives
// every error and every position. test/manifest/plain-yaml.test.ts holds the two together.
// Text past the nesting or scalar limits (limits.ts) is handed over too: the `yaml` path
// reports it with its position, and this parser's recursion stays shallow.
import { Limits } from './limits.ts';

export interface PlainDocument {
  /** The document's root value. */
  value: unknown;
  /** 1-based line and column where the root node starts. */
  line: number;
  column: number;
}

interface Line {
  /** 1-based line number in the file. */
  number: number;
  indent: number;
  /** The line without its indentation. */
  text: string;
}

/** Thrown inside the parser when the text leaves the subset; never escapes it. */
class OutsideSubset extends Error {}

function outside(): never {
  throw new OutsideSubset();
}

/**
 * Characters that make us hand the whole text to `yaml`: tabs and carriage returns (indentation
 * and line-break rules), the BOM, other control characters, and Unicode line separators.
 */
function hasUnsupportedCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10) continue;
    if (code < 32 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029 || code === 0xfeff) return true;
  }
  return false;
}

// `yaml` refuses implicit keys longer than 1024 characters; ours stop well before.
const KEY = /^([A-Za-z_][A-Za-z0-9_-]{0,511}):(?: |$)/;
// Keys that the core schema would resolve to null or a boolean, and keys that are not plain
// object properties in JavaScript.
const SPECIAL_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|__proto__)$/;

function isSpecialKey(key: string): boolean {
  // Only keys starting with n, t, f or _ can be special; most keys are not.
  return 'nNtTfF_'.includes(key[0] ?? '') && SPECIAL_KEY.test(key);
}

/** The documents of `text`, or null when it is not in the plain subset. */
export function parsePlainYaml(text: string): PlainDocument[] | null {
  if (hasUnsupportedCharacter(text)) return null;
  try {
    return splitDocuments(text).flatMap((lines) => (lines.length === 0 ? [] : [parseDocument(lines)]));
  } catch (error) {
    if (error instanceof OutsideSubset) return null;
    throw error;
  }
}

function splitDocuments(text: string): Line[][] {
  const documents: Line[][] = [[]];
  let current = documents[0] ?? [];
  let start = 0;
  for (let number = 1; start <= text.length; number++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const indent = countSpaces(text, start, end);
    const first = text.charCodeAt(start + indent);
    // Blank and comment-only lines carry nothing; YAML ignores their indentation.
    if (start + indent < end && first !== HASH) {
      const content = text.slice(start + indent, trimSpacesEnd(text, start, end));
      if (indent === 0 && content.startsWith('---')) {
        if (content.length !== 3 && !/^--- +(#.*)?$/.test(content)) outside();
        current = [];
        documents.push(current);
      } else {
        if (indent === 0 && (content.startsWith('...') || content.startsWith('%'))) outside();
        current.push({ number, indent, text: content });
      }
    }
    start = end + 1;
  }
  return documents;
}

const SPACE = 32;
const HASH = 35;

/** How many spaces (only U+0020: YAML indents and separates with nothing else) from `start`. */
function countSpaces(text: string, start: number, end: number): number {
  let index = start;
  while (index < end && text.charCodeAt(index) === SPACE) index += 1;
  return index - start;
}

/** `end` moved back over trailing spaces (not other Unicode spaces, which are content). */
function trimSpacesEnd(text: string, start: number, end: number): number {
  let index = end;
  while (index > start && text.charCodeAt(index - 1) === SPACE) index -= 1;
  return index;
}

function trimSpacesStart(text: string): string {
  const spaces = countSpaces(text, 0, text.length);
  return spaces === 0 ? text : text.slice(spaces);
}

function parseDocument(lines: Line[]): PlainDocument {
  const first = lines[0] ?? outside();
  const parser = new BlockParser(lines);
  const value = parser.node(0, first.indent);
  if (parser.position < lines.length) outside();
  return { value, line: first.number, column: first.indent + 1 };
}

class BlockParser {
  position = 0;
  /** Collections open around the current line. */
  private depth = 0;

  constructor(private readonly lines: Line[]) {}

  private line(index: number): Line | undefined {
    return this.lines[index];
  }

  /** A block node whose first line is `index`, at exactly `indent`. */
  node(index: number, indent: number): unknown {
    const line = this.line(index) ?? outside();
    if (line.indent !== indent) outside();
    if (isSequenceEntry(line.text)) return this.sequence(index, indent);
    if (KEY.test(line.text)) return this.mapping(index, indent);
    return outside();
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > Limits.nestingDepth) outside();
  }

  private mapping(index: number, indent: number): Record<string, unknown> {
    this.enter();
    const result: Record<string, unknown> = {};
    let cursor = index;
    for (let line = this.line(cursor); line && line.indent >= indent; line = this.line(cursor)) {
      if (line.indent > indent) outside();
      const match = KEY.exec(line.text) ?? outside();
      const key = match[1] ?? outside();
      if (isSpecialKey(key) || Object.hasOwn(result, key)) outside();
      const valueStart = match[0].length + countSpaces(line.text, match[0].length, line.text.length);
      cursor += 1;
      if (valueStart === line.text.length || line.text.charCodeAt(valueStart) === HASH) {
        const next = this.line(cursor);
        if (next && next.indent > indent) {
          result[key] = this.node(cursor, next.indent);
          cursor = this.position;
        } else if (next && next.indent === indent && isSequenceEntry(next.text)) {
          result[key] = this.sequence(cursor, indent);
          cursor = this.position;
        } else {
          result[key] = null;
        }
      } else {
        result[key] = inlineValue(line.text, valueStart, this.depth);
        this.noContinuation(cursor, indent);
      }
    }
    this.position = cursor;
    this.depth -= 1;
    return result;
  }

  private sequence(index: number, indent: number): unknown[] {
    this.enter();
    const result: unknown[] = [];
    let cursor = index;
    for (let line = this.line(cursor); line && line.indent >= indent; line = this.line(cursor)) {
      if (line.indent > indent) outside();
      if (!isSequenceEntry(line.text)) break;
      const afterDash = line.text.slice(1);
      const rest = trimSpacesStart(afterDash);
      if (rest === '' || rest.startsWith('#')) {
        cursor += 1;
        const next = this.line(cursor);
        if (next && next.indent > indent) {
          result.push(this.node(cursor, next.indent));
          cursor = this.position;
        } else {
          result.push(null);
        }
      } else if (KEY.test(rest) || isSequenceEntry(rest)) {
        // `- key: value` opens a mapping whose keys line up with `key`; `- - x` a sequence
        // whose dashes line up with the second dash.
        const column = indent + 1 + (afterDash.length - rest.length);
        this.lines[cursor] = { number: line.number, indent: column, text: rest };
        result.push(this.node(cursor, column));
        cursor = this.position;
      } else {
        result.push(inlineValue(rest, 0, this.depth));
        cursor += 1;
        this.noContinuation(cursor, indent);
      }
    }
    this.position = cursor;
    this.depth -= 1;
    return result;
  }

  /** A more indented line after an inline value would continue it (multi-line scalar). */
  private noContinuation(index: number, indent: number): void {
    const next = this.line(index);
    if (next && next.indent > indent) outside();
  }
}

function isSequenceEntry(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** A value written on a line from `start`: a scalar or a flow collection, then maybe a comment. */
function inlineValue(text: string, start: number, depth: number): unknown {
  const reader = new InlineReader(text, start, depth);
  const value = reader.value('block');
  reader.endOfLine();
  return value;
}

type Context = 'block' | 'flow';

const BLOCK_PLAIN_END = / #/g;
const FLOW_PLAIN_END = /[,[\]{}]| #/g;

class InlineReader {
  constructor(
    private readonly text: string,
    private index: number,
    /** Collections open around the value (block ones, then flow ones). */
    private depth: number,
  ) {}

  private peek(): string {
    return this.text[this.index] ?? '';
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.index += 1;
  }

  /** Only spaces and a comment (after at least one space) may follow a value. */
  endOfLine(): void {
    const rest = this.text.slice(this.index);
    if (rest !== '' && !/^ +#/.test(rest) && !/^ *$/.test(rest)) outside();
  }

  value(context: Context): unknown {
    this.skipSpaces();
    const first = this.peek();
    if (first === '"') return this.doubleQuoted();
    if (first === "'") return this.singleQuoted();
    if (first === '{') return this.flowMapping();
    if (first === '[') return this.flowSequence();
    return this.plain(context);
  }

  private doubleQuoted(): string {
    let result = '';
    for (this.index += 1; this.index < this.text.length; this.index += 1) {
      const char = this.peek();
      if (char === '"') {
        this.index += 1;
        return withinLength(result);
      }
      if (char !== '\\') {
        result += char;
        continue;
      }
      this.index += 1;
      const escape = this.peek();
      const simple: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };
      const replacement = simple[escape];
      if (replacement !== undefined) {
        result += replacement;
      } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 1, this.index + 5))) {
        result += String.fromCharCode(parseInt(this.text.slice(this.index + 1, this.index + 5), 16));
        this.index += 4;
      } else {
        outside();
      }
    }
    return outside();
  }

  private singleQuoted(): string {
    let result = '';
    for (this.index += 1; this.index < this.text.length; this.index += 1) {
      const char = this.peek();
      if (char !== "'") {
        result += char;
        continue;
      }
      if (this.text[this.index + 1] === "'") {
        result += "'";
        this.index += 1;
        continue;
      }
      this.index += 1;
      return withinLength(result);
    }
    return outside();
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > Limits.nestingDepth) outside();
  }

  private flowMapping(): Record<string, unknown> {
    this.enter();
    const result: Record<string, unknown> = {};
    this.index += 1;
    for (;;) {
      this.skipSpaces();
      if (this.peek() === '}') break;
      const match = KEY.exec(this.text.slice(this.index));
      if (!match || !match[0].endsWith(' ')) outside();
      const key = match[1] ?? outside();
      if (isSpecialKey(key) || Object.hasOwn(result, key)) outside();
      this.index += match[0].length;
      result[key] = this.value('flow');
      if (!this.flowSeparator('}')) break;
    }
    this.index += 1;
    this.depth -= 1;
    return result;
  }

  private flowSequence(): unknown[] {
    this.enter();
    const result: unknown[] = [];
    this.index += 1;
    for (;;) {
      this.skipSpaces();
      if (this.peek() === ']') break;
      result.push(this.value('flow'));
      if (!this.flowSeparator(']')) break;
    }
    this.index += 1;
    this.depth -= 1;
    return result;
  }

  /** After a flow entry: a comma (true: more may follow) or the closing bracket (false). */
  private flowSeparator(close: string): boolean {
    this.skipSpaces();
    const char = this.peek();
    if (char === ',') {
      this.index += 1;
      return true;
    }
    if (char === close) return false;
    return outside();
  }

  private plain(context: Context): unknown {
    const start = this.index;
    const first = this.peek();
    if (first === '' || '#,[]{}&*!|>\'"%@`?:'.includes(first)) outside();
    const stops = context === 'flow' ? ',[]{}' : '';
    // `-` starts a plain scalar only when a safe character follows (YAML's ns-plain-first).
    const second = this.text[start + 1] ?? ' ';
    if (first === '-' && (second === ' ' || stops.includes(second))) outside();
    // The scalar ends at a comment (' #') or, in a flow collection, at a flow indicator.
    const ends = context === 'flow' ? FLOW_PLAIN_END : BLOCK_PLAIN_END;
    ends.lastIndex = start;
    const end = ends.exec(this.text);
    this.index = end ? end.index : this.text.length;
    const scalar = this.text.slice(start, trimSpacesEnd(this.text, start, this.index));
    // Rewind over the trailing spaces so a comment after them is seen by endOfLine.
    this.index = start + scalar.length;
    if (scalar === '' || scalar.endsWith(':') || scalar.includes(': ') || scalar.includes(' #')) outside();
    return resolvePlainScalar(withinLength(scalar));
  }
}

function withinLength(scalar: string): string {
  return scalar.length > Limits.scalarLength ? outside() : scalar;
}

/** The value YAML 1.2's core schema gives a plain scalar, tested in the order `yaml` tests. */
export function resolvePlainScalar(source: string): unknown {
  // Most values start with a letter that no core-schema tag can start with: a string.
  if (/^[A-EG-MO-SU-Za-eg-mo-su-z]/.test(source)) return source;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(source)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(source)) return source[0] === 't' || source[0] === 'T';
  if (/^0o[0-7]+$/.test(source)) return parseInt(source.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(source)) return parseInt(source, 10);
  if (/^0x[0-9a-fA-F]+$/.test(source)) return parseInt(source.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(source)) {
    if (source.slice(-3).toLowerCase() === 'nan') return NaN;
    return source.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(source)) return parseFloat(source);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(source)) return parseFloat(source);
  return source;
}
