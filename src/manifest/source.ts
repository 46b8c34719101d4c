// One manifest file: its documents' values, its YAML errors, and where any field of a document
// is (line and column). Values come from the fast plain-YAML parser when the file is in its
// subset; positions and errors always come from the `yaml` package, parsed only when needed.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';
import type { Segment } from './paths.ts';
import { parsePlainYaml } from './plain-yaml.ts';

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
  documents: Document.Parsed[];
  lineCounter: LineCounter;
}

export class ManifestFile {
  readonly documents: SourceDocument[];
  readonly syntaxErrors: ManifestError[] = [];
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
    this.documents = plain ?? this.documentsFromYaml();
  }

  private yaml(): ParsedYaml {
    if (!this.parsed) {
      const lineCounter = new LineCounter();
      const documents = parseAllDocuments(this.text, { lineCounter, prettyErrors: true });
      // parseAllDocuments returns an empty list-like value for an empty stream.
      this.parsed = { documents: Array.isArray(documents) ? documents : [], lineCounter };
    }
    return this.parsed;
  }

  private position(offset: number): Position {
    const { line, col } = this.yaml().lineCounter.linePos(offset);
    return { line, column: col };
  }

  private documentsFromYaml(): SourceDocument[] {
    const result: SourceDocument[] = [];
    for (const document of this.yaml().documents) {
      if (document.errors.length > 0) {
        for (const error of document.errors) {
          const at = error.linePos?.[0] ?? { line: 1, col: 1 };
          this.syntaxErrors.push({
            file: this.file,
            line: at.line,
            column: at.col,
            path: '',
            message: yamlMessage(error.message),
            code: ErrorCode.YamlSyntax,
          });
        }
        continue;
      }
      const contents = document.contents;
      if (contents === null || contents.range === undefined) continue;
      let value: unknown;
      try {
        value = document.toJS();
      } catch (error) {
        // Alias expansion past yaml's limit ("billion laughs") throws here.
        const at = this.position(contents.range[0]);
        this.syntaxErrors.push({ ...at, file: this.file, path: '', message: error instanceof Error ? error.message : String(error), code: ErrorCode.YamlSyntax });
        continue;
      }
      if (value === null || value === undefined) continue;
      result.push({ value, ...this.position(contents.range[0]) });
    }
    return result;
  }

  /**
   * Where a field of a document is: its value, or the key that names it. A path that does not
   * exist (a missing field) stops at the deepest node that does.
   */
  locate(document: SourceDocument, segments: readonly Segment[], at: 'key' | 'value'): Position {
    const root = this.yaml().documents.find((candidate) => {
      const start = candidate.contents?.range?.[0];
      if (start === undefined) return false;
      const position = this.position(start);
      return position.line === document.line && position.column === document.column;
    })?.contents;
    if (!root) return { line: document.line, column: document.column };
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
