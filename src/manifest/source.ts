// One manifest file: its documents' values, its YAML errors, and where any field of a document
// is (line and column). Values come from the fast plain-YAML parser when the file is in its
// subset; positions and errors always come from the `yaml` package, parsed only when needed.
import type { Document, LineCounter, Node, Pair } from 'yaml';
import { yamlLibrary } from './yaml-library.ts';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';
import type { Segment } from './paths.ts';
import { parsePlainYaml } from './plain-yaml.ts';
import { checkComposedTree, parseSyntaxTree } from './yaml-limits.ts';
import type { Refusal } from './yaml-limits.ts';

export interface SourceDocument {
  value: unknown;
  /** Where the document's root node starts (1-based). */
  line: number;
  column: number;
}

export interface Position {
  line: number;
  column: number;
}

interface ParsedYaml {
  /** None when the syntax tree goes past a limit (then nothing of the file is composed). */
  documents: Document.Parsed[];
  lineCounter: LineCounter;
  refusals: Refusal[];
  /** Each document by where its root starts ("line:column"), for locate. */
  byStart?: Map<string, Node>;
}

export class ManifestFile {
  readonly documents: SourceDocument[];
  readonly syntaxErrors: ManifestError[] = [];
  /** The documents came from the fast parser: trees of bounded depth, without aliases. */
  readonly plain: boolean;
  private parsed: ParsedYaml | undefined;

  /**
   * @param file the path shown in errors
   * @param absolutePath where the file is (secret files are relative to it)
   */
  constructor(
    readonly file: string,
    readonly absolutePath: string,
    private readonly text: string,
  ) {
    const plain = parsePlainYaml(text);
    this.plain = plain !== null;
    this.documents = plain ?? this.documentsFromYaml();
  }

  private yaml(): ParsedYaml {
    if (!this.parsed) {
      const { Composer } = yamlLibrary();
      // Parsed and composed apart so the limits are checked on the syntax tree before the
      // composer (which recurses) sees it. yaml's own duplicate-key check is quadratic, so
      // checkComposedTree does it instead.
      const { tokens, lineCounter, refusals } = parseSyntaxTree(this.text);
      const documents = refusals.length > 0 ? [] : Array.from(new Composer({ uniqueKeys: false }).compose(tokens));
      this.parsed = { documents, lineCounter, refusals };
    }
    return this.parsed;
  }

  private position(offset: number): Position {
    const { line, col } = this.yaml().lineCounter.linePos(offset);
    return { line, column: col };
  }

  private syntaxError(offset: number, message: string, code: ErrorCode): void {
    this.syntaxErrors.push({ file: this.file, ...this.position(offset), path: '', message, code });
  }

  private documentsFromYaml(): SourceDocument[] {
    const result: SourceDocument[] = [];
    const { documents, refusals } = this.yaml();
    for (const refusal of refusals) this.syntaxError(refusal.offset, refusal.message, ErrorCode.LimitExceeded);
    for (const document of documents) {
      for (const error of document.errors) this.syntaxError(error.pos[0], yamlMessage(error.message), ErrorCode.YamlSyntax);
      if (document.errors.length > 0) continue;
      const problems = checkComposedTree(document);
      for (const problem of problems) {
        this.syntaxError(problem.offset, problem.message, problem.kind === 'limit' ? ErrorCode.LimitExceeded : ErrorCode.YamlSyntax);
      }
      if (problems.length > 0) continue;
      const contents = document.contents;
      if (contents === null || contents.range === undefined) continue;
      let value: unknown;
      try {
        // Aliases are not counted here: yaml's count re-scans the document for each alias.
        // The loader measures the resolved values instead (measureValues).
        value = document.toJS({ maxAliasCount: -1 });
      } catch (error) {
        // An alias to an anchor not yet defined (or to itself) throws here.
        this.syntaxError(contents.range[0], error instanceof Error ? error.message : String(error), ErrorCode.YamlSyntax);
        continue;
      }
      if (value === null || value === undefined) continue;
      result.push({ value, ...this.position(contents.range[0]) });
    }
    return result;
  }

  private documentRoots(): Map<string, Node> {
    const parsed = this.yaml();
    if (!parsed.byStart) {
      parsed.byStart = new Map();
      for (const candidate of parsed.documents) {
        const root = candidate.contents;
        if (root?.range === undefined) continue;
        const { line, column } = this.position(root.range[0]);
        parsed.byStart.set(`${line}:${column}`, root);
      }
    }
    return parsed.byStart;
  }

  /**
   * Where a field of a document is: its value, or the key that names it. A path that does not
   * exist (a missing field) stops at the deepest node that does.
   */
  locate(document: SourceDocument, segments: readonly Segment[], at: 'key' | 'value'): Position {
    // The document itself is where its root starts, known without parsing the file with yaml
    // (seconds for a large file refused as a whole, such as one past the values limit).
    if (segments.length === 0) return { line: document.line, column: document.column };
    const root = this.documentRoots().get(`${document.line}:${document.column}`);
    if (!root) return { line: document.line, column: document.column };
    const { isMap, isPair, isScalar, isSeq } = yamlLibrary();
    let node: Node | null = root;
    let key: Node | null = null;
    for (const segment of segments) {
      let next: { key: Node | null; value: Node | null } | undefined;
      if (isMap(node)) {
        const items: Pair<unknown, unknown>[] = node.items;
        const pair = items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair && isPair(pair)) next = { key: asNode(pair.key), value: asNode(pair.value) };
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = asNode(node.items[segment]);
        if (item) next = { key: item, value: item };
      }
      if (!next) break;
      key = next.key;
      node = next.value;
      if (!node) break;
    }
    const target = at === 'key' ? (key ?? node) : (node ?? key);
    const offset = target?.range?.[0] ?? root.range?.[0] ?? 0;
    return this.position(offset);
  }
}

function asNode(value: unknown): Node | null {
  return typeof value === 'object' && value !== null && 'range' in value ? (value as Node) : null;
}

/** yaml's first line without its "at line L, column C" tail (the position is reported apart). */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}
