// The limits of limits.ts on the `yaml` package's path, applied where they are cheap and before
// the expensive or recursive step: nesting and scalar length on the concrete syntax tree (the
// parser keeps an explicit stack; the composer recurses), duplicate keys and anchors on the
// composed tree (yaml's own duplicate check is quadratic in a mapping's size, its alias
// resolution quadratic in a document's anchors), and nesting and size of the values once
// aliases are resolved (an alias repeats a value without copying it, so "billion laughs" is
// cheap to build and ruinous to walk). Every walk here is iterative.
import type { CST, Document, LineCounter, Node } from 'yaml';
import { yamlLibrary } from './yaml-library.ts';
import { LimitMessage, Limits } from './limits.ts';
import type { Segment } from './paths.ts';

export interface Refusal {
  /** Offset in the text of the node that goes past a limit. */
  offset: number;
  message: string;
  kind: 'limit' | 'duplicate-key';
}

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * yaml's syntax tree of `text`, and the limits it goes past (checkSyntaxTree). The parser is fed
 * one lexeme at a time and stopped once more collections are open than the nesting limit allows:
 * its cost grows much faster than the text when collections nest (4 MiB of `[` took a minute and
 * gigabytes of memory), so it never sees more of such a text than the refusal needs.
 */
export function parseSyntaxTree(text: string): { tokens: CST.Token[]; lineCounter: LineCounter; refusals: Refusal[] } {
  const { Lexer, LineCounter, Parser } = yamlLibrary();
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const tokens: CST.Token[] = [];
  lineCounter.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    // The stack is the document, the collections open around the current node, and the node.
    if (parser.stack.length > Limits.nestingDepth + 2 && parser.stack.filter((token) => COLLECTIONS.has(token.type)).length > Limits.nestingDepth) break;
  }
  // Closes what is open: the document so far, whose collections nest past the limit if it was cut.
  for (const token of parser.end()) tokens.push(token);
  return { tokens, lineCounter, refusals: checkSyntaxTree(tokens) };
}

/** The first place in the syntax tree (per document) that nests too deep or has too long a scalar. */
function checkSyntaxTree(tokens: readonly CST.Token[]): Refusal[] {
  const refusals: Refusal[] = [];
  for (const token of tokens) {
    if (token.type !== 'document' || token.value === undefined) continue;
    const refusal = firstTokenRefusal(token.value);
    if (refusal) refusals.push(refusal);
  }
  return refusals;
}

function firstTokenRefusal(root: CST.Token): Refusal | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = [{ token: root, depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { token, depth } = next;
    switch (token.type) {
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        if (token.source.length > Limits.scalarLength) return { offset: token.offset, message: LimitMessage.scalarLength(), kind: 'limit' };
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > Limits.nestingDepth) return { offset: token.offset, message: LimitMessage.nestingDepth(), kind: 'limit' };
        // Pushed in reverse so the first offending node in the text is found first.
        for (let index = token.items.length - 1; index >= 0; index--) {
          const item: CST.CollectionItem | undefined = token.items[index];
          if (item?.value) stack.push({ token: item.value, depth: depth + 1 });
          if (item?.key) stack.push({ token: item.key, depth: depth + 1 });
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/**
 * Duplicate keys (yaml is asked not to look for them: it compares every key with every other)
 * and too many anchors and aliases, in one document's composed tree.
 */
export function checkComposedTree(document: Document.Parsed): Refusal[] {
  const { isAlias, isCollection, isMap, isPair, isScalar } = yamlLibrary();
  const refusals: Refusal[] = [];
  let anchorsAndAliases = 0;
  const stack: unknown[] = [document.contents];
  for (let node = stack.pop(); stack.length > 0 || node !== undefined; node = stack.pop()) {
    if (!isNodeLike(node)) continue;
    if (isAlias(node) || (isScalar(node) || isCollection(node) ? node.anchor !== undefined : false)) {
      anchorsAndAliases += 1;
      if (anchorsAndAliases > Limits.documentAnchors) {
        refusals.push({ offset: node.range?.[0] ?? 0, message: LimitMessage.documentAnchors(), kind: 'limit' });
        return refusals;
      }
    }
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        if (keys.has(pair.key.value)) refusals.push({ offset: pair.key.range?.[0] ?? 0, message: 'Map keys must be unique', kind: 'duplicate-key' });
        keys.add(pair.key.value);
      }
    }
    if (isCollection(node)) {
      // Pushed in reverse, so nodes are met in the order of the text.
      for (let index = node.items.length - 1; index >= 0; index--) {
        const item = node.items[index];
        if (isPair(item)) stack.push(item.value, item.key);
        else stack.push(item);
      }
    }
  }
  return refusals;
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

export interface Measure {
  /** Values in the document, each alias counted as the values it repeats. */
  values: number;
  /** Where the first limit is passed: the path to the node, and which limit. */
  refusal?: { segments: Segment[]; message: string };
}

/**
 * measureValues for a value the fast parser built: a tree (no aliases), no deeper than the
 * parser allows, so counting its values is all there is to do.
 */
export function measureTree(root: unknown, budget: number): Measure {
  const limit = Math.min(budget, Limits.documentValues);
  let values = 0;
  const stack: unknown[] = [root];
  for (let value = stack.pop(); ; value = stack.pop()) {
    values += 1;
    if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) for (const item of value) stack.push(item);
      else for (const key in value) stack.push((value as Record<string, unknown>)[key]);
    }
    if (values > limit) {
      const message = limit === Limits.documentValues ? LimitMessage.documentValues() : LimitMessage.runValues();
      return { values: Number.POSITIVE_INFINITY, refusal: { segments: [], message } };
    }
    if (stack.length === 0) return { values };
  }
}

/**
 * Counts a document's values as a walk of them would meet them, without walking the repeats:
 * each object is measured once (its size and depth remembered), so the cost is that of the
 * values as parsed, whatever the aliases make of them. A value that holds itself (`&a [*a]`)
 * is infinitely deep.
 */
export function measureValues(root: unknown, budget: number): Measure {
  const sizes = new Map<object, { values: number; depth: number }>();
  const open = new Set<object>();
  interface Frame {
    value: object;
    children: Array<[Segment, unknown]>;
    next: number;
    values: number;
    depth: number;
  }
  const stack: Frame[] = [];
  const limit = Math.min(budget, Limits.documentValues);
  // The path to where the walk is: each open value's current child.
  const refuse = (message: string): Measure => {
    const segments = stack.flatMap((frame) => (frame.next > 0 ? [frame.children[frame.next - 1]?.[0] ?? 0] : []));
    return { values: Number.POSITIVE_INFINITY, refusal: { segments, message } };
  };
  const enter = (value: object): Frame => ({ value, children: Array.isArray(value) ? value.map((item, index): [Segment, unknown] => [index, item]) : Object.entries(value), next: 0, values: 1, depth: 1 });

  if (typeof root !== 'object' || root === null) return { values: 1 };
  open.add(root);
  stack.push(enter(root));
  let total = 1;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (!frame) break;
    if (stack.length > Limits.nestingDepth) return refuse(LimitMessage.nestingDepth());
    const child = frame.children[frame.next];
    if (child === undefined) {
      stack.pop();
      open.delete(frame.value);
      sizes.set(frame.value, { values: frame.values, depth: frame.depth });
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.values += frame.values;
        parent.depth = Math.max(parent.depth, frame.depth + 1);
      }
      continue;
    }
    frame.next += 1;
    const value = child[1];
    if (typeof value !== 'object' || value === null) {
      frame.values += 1;
      total += 1;
    } else if (open.has(value)) {
      return refuse(LimitMessage.nestingDepth());
    } else {
      const known = sizes.get(value);
      if (known) {
        frame.values += known.values;
        frame.depth = Math.max(frame.depth, known.depth + 1);
        total += known.values;
        if (stack.length + known.depth > Limits.nestingDepth) return refuse(LimitMessage.nestingDepth());
      } else {
        open.add(value);
        stack.push(enter(value));
        total += 1;
      }
    }
    if (total > limit) return refuse(limit === Limits.documentValues ? LimitMessage.documentValues() : LimitMessage.runValues());
  }
  return { values: total };
}
