// The JSON Schemas in schemas/ and their validators, compiled ahead of time
// (validators.generated.ts, by scripts/gen-validators.ts: no schema is compiled at start-up),
// plus the lookups the error explainer needs to walk the schemas.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { ENTRY_SCHEMA_ID, ENVELOPE_SCHEMA_ID, isSchemaNode, kindSchemaIds, pointerGet, schemaFile, schemaFiles, type SchemaNode } from './schema-files.ts';
import { envelopeValidator, kindValidators } from './validators.generated.ts';

export { SCHEMA_BASE, SCHEMA_DIR, SCHEMA_FILES, isSchemaNode, type SchemaNode } from './schema-files.ts';

// Keywords whose value is a map of subschemas, one subschema, or a list of subschemas.
const SCHEMA_MAP_KEYWORDS = ['properties', '$defs', 'patternProperties', 'dependentSchemas'];
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

/** Calls `visit` with every subschema directly below `node` (not following $ref). */
export function forEachSubschema(node: SchemaNode, visit: (child: SchemaNode) => void): void {
  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const map = node[keyword];
    if (isSchemaNode(map)) for (const child of Object.values(map)) if (isSchemaNode(child)) visit(child);
  }
  for (const keyword of SCHEMA_KEYWORDS) {
    const child = node[keyword];
    if (isSchemaNode(child)) visit(child);
  }
  for (const keyword of SCHEMA_LIST_KEYWORDS) {
    const list = node[keyword];
    if (Array.isArray(list)) for (const child of list) if (isSchemaNode(child)) visit(child);
  }
}

export class ManifestSchemas {
  readonly kinds: readonly string[];
  private readonly baseOf = new WeakMap<SchemaNode, string>();
  private readonly reachCache = new WeakMap<SchemaNode, Set<SchemaNode>>();
  private readonly kindSchemaIds: Map<string, string>;

  constructor() {
    // The files carry no $id: editors resolve their relative $refs against where the files
    // are, and a made-up absolute $id would send them to fetch it. The validators were compiled
    // with the same base as the key each file is known by.
    for (const [id, schema] of schemaFiles()) this.recordBase(schema, id === ENVELOPE_SCHEMA_ID ? ENTRY_SCHEMA_ID : id);
    const entry = schemaFile(ENTRY_SCHEMA_ID);
    this.kindSchemaIds = kindSchemaIds(entry);
    const properties = entry.properties;
    const kindSchema = isSchemaNode(properties) ? properties.kind : undefined;
    const kinds = isSchemaNode(kindSchema) && Array.isArray(kindSchema.enum) ? kindSchema.enum : [];
    this.kinds = kinds.filter((kind): kind is string => typeof kind === 'string' && this.kindSchemaIds.has(kind));
  }

  private recordBase(node: SchemaNode, base: string): void {
    if (this.baseOf.has(node)) return;
    this.baseOf.set(node, base);
    forEachSubschema(node, (child) => this.recordBase(child, base));
  }

  schemaById(id: string): SchemaNode {
    return schemaFile(id);
  }

  /** The schema a `$ref` inside `from` points to, if it is one of ours. */
  resolveRef(from: SchemaNode, ref: string): SchemaNode | undefined {
    const base = this.baseOf.get(from);
    if (base === undefined) return undefined;
    const url = new URL(ref, base);
    const pointer = url.hash.slice(1);
    url.hash = '';
    const file = schemaFiles().get(url.href);
    const target = file && pointerGet(file, pointer);
    return isSchemaNode(target) ? target : undefined;
  }

  /** `node` itself when it is not a bare $ref, else what the $ref chain ends at. */
  deref(node: SchemaNode): SchemaNode {
    let current = node;
    for (let hops = 0; hops < 16 && typeof current.$ref === 'string'; hops++) {
      const target = this.resolveRef(current, current.$ref);
      if (!target) break;
      current = target;
    }
    return current;
  }

  /** Every schema object that validating against `node` can visit, following $refs. */
  reach(node: SchemaNode): Set<SchemaNode> {
    const cached = this.reachCache.get(node);
    if (cached) return cached;
    const seen = new Set<SchemaNode>();
    const walk = (current: SchemaNode): void => {
      if (seen.has(current)) return;
      seen.add(current);
      if (typeof current.$ref === 'string') {
        const target = this.resolveRef(current, current.$ref);
        if (target) walk(target);
      }
      forEachSubschema(current, walk);
    };
    walk(node);
    this.reachCache.set(node, seen);
    return seen;
  }

  /** The URI of the schema that documents of `kind` are validated against. */
  schemaIdOf(kind: string): string | undefined {
    return this.kindSchemaIds.get(kind);
  }

  /** The validator of one kind's documents. */
  validatorFor(kind: string): ValidateFunction | undefined {
    return kindValidators.get(kind);
  }

  /**
   * The validator of what every document shares (the entry schema without its per-kind
   * branches): it explains a document whose kind is missing or unknown.
   */
  envelope(): ValidateFunction {
    return envelopeValidator;
  }
}

let shared: ManifestSchemas | undefined;

/** The process-wide schemas. */
export function manifestSchemas(): ManifestSchemas {
  shared ??= new ManifestSchemas();
  return shared;
}

/** The generated validator of one kind's documents, for its kind module. */
export function kindValidator(kind: string): ValidateFunction {
  const validate = kindValidators.get(kind);
  if (!validate) throw new TypeError(`no schema validator was generated for kind ${kind}: add its schema to schemas/ and run npm run gen:validators`);
  return validate;
}
