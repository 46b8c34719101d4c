// The JSON Schemas in schemas/ loaded once, compiled with Ajv (JSON Schema 2020-12) into one
// validator per kind, plus the lookups the error explainer needs to walk them.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

export const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
/** The base URI the schema files are known by inside agoractl (Ajv, the type generator). */
export const SCHEMA_BASE = 'https://agoractl.dev/schemas/';
export const SCHEMA_FILES = [
  'common.schema.json',
  'project.schema.json',
  'cloudplayer.schema.json',
  'cloudrecording.schema.json',
  'originsite.schema.json',
  'manifest.schema.json',
] as const;
const ENTRY_SCHEMA = 'manifest.schema.json';

/** A JSON Schema object as read from disk. */
export type SchemaNode = Record<string, unknown>;

// ajv-formats is CommonJS: under NodeNext its default import is the module object, whose
// runtime value is the plugin function itself.
const addFormats = addFormatsModule as unknown as FormatsPlugin;

export function isSchemaNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The keywords agoractl adds to JSON Schema. Editors ignore unknown keywords, so the schemas
 * stay usable there; Ajv enforces them.
 * - maxBytes: UTF-8 length; Agora counts channelName and streamUrl limits in bytes, while
 *   maxLength counts characters (media-pull-rest-api.txt).
 * - secret: refuses a literal string where a secret reference is expected; its value names the
 *   accepted forms for the hint.
 * - maxJoinedLength: the length of a string list joined with '/' (fileNamePrefix, at most 128
 *   characters including the slashes: Cloud Recording storageConfig).
 * - errorMessage: an annotation, as in VS Code's JSON schemas: the message shown when the value
 *   has the wrong shape (type, pattern, format, none of the allowed forms).
 */
function addAgoractlKeywords(ajv: Ajv2020): void {
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'maxBytes',
    type: 'string',
    schemaType: 'number',
    errors: false,
    validate: (max: number, data: string) => Buffer.byteLength(data, 'utf8') <= max,
  });
  ajv.addKeyword({
    keyword: 'secret',
    schemaType: 'string',
    errors: false,
    validate: (_forms: string, data: unknown) => typeof data !== 'string',
  });
  ajv.addKeyword({
    keyword: 'maxJoinedLength',
    type: 'array',
    schemaType: 'number',
    errors: false,
    validate: (max: number, data: unknown[]) => data.map(String).join('/').length <= max,
  });
}

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

function readSchemaFile(name: string): SchemaNode {
  const parsed: unknown = JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));
  if (!isSchemaNode(parsed)) throw new Error(`schemas/${name} is not a JSON Schema object`);
  return parsed;
}

function pointerGet(root: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return root;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchemaNode(node)) return undefined;
    node = node[key];
  }
  return node;
}

export class ManifestSchemas {
  readonly kinds: readonly string[];
  private readonly ajv: Ajv2020;
  private readonly files = new Map<string, SchemaNode>();
  private readonly baseOf = new WeakMap<SchemaNode, string>();
  private readonly reachCache = new WeakMap<SchemaNode, Set<SchemaNode>>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly kindSchemaIds = new Map<string, string>();
  private envelopeValidator: ValidateFunction | undefined;

  constructor() {
    this.ajv = new Ajv2020({
      allErrors: true,
      // verbose keeps each error's schema and parentSchema (by identity), which the explainer
      // uses to tell which alternative of a oneOf an error belongs to.
      verbose: true,
      strict: true,
      // if/then and the conditional subschemas name properties declared by their parent.
      strictRequired: false,
      strictTypes: false,
      allowUnionTypes: true,
    });
    addFormats(this.ajv, ['ipv4', 'hostname']);
    addAgoractlKeywords(this.ajv);
    // The files carry no $id: editors resolve their relative $refs against where the files
    // are, and a made-up absolute $id would send them to fetch it. Ajv gets the same base as
    // the key each file is added under.
    for (const name of SCHEMA_FILES) {
      const schema = readSchemaFile(name);
      const id = SCHEMA_BASE + name;
      this.files.set(id, schema);
      this.recordBase(schema, id);
      this.ajv.addSchema(schema, id);
    }
    const entry = this.schemaById(SCHEMA_BASE + ENTRY_SCHEMA);
    this.kinds = this.readKinds(entry);
  }

  /** The kind enum and, for each kind, the schema its `if kind == X then $ref` selects. */
  private readKinds(entry: SchemaNode): string[] {
    const properties = entry.properties;
    const kindSchema = isSchemaNode(properties) ? properties.kind : undefined;
    const kinds = isSchemaNode(kindSchema) && Array.isArray(kindSchema.enum) ? kindSchema.enum : [];
    const branches = Array.isArray(entry.allOf) ? entry.allOf : [];
    for (const branch of branches) {
      if (!isSchemaNode(branch) || !isSchemaNode(branch.if) || !isSchemaNode(branch.then)) continue;
      const ifProperties = branch.if.properties;
      const kindTest = isSchemaNode(ifProperties) ? ifProperties.kind : undefined;
      const ref = branch.then.$ref;
      if (isSchemaNode(kindTest) && typeof kindTest.const === 'string' && typeof ref === 'string') {
        this.kindSchemaIds.set(kindTest.const, new URL(ref, SCHEMA_BASE + ENTRY_SCHEMA).href);
      }
    }
    return kinds.filter((kind): kind is string => typeof kind === 'string' && this.kindSchemaIds.has(kind));
  }

  private recordBase(node: SchemaNode, base: string): void {
    this.baseOf.set(node, base);
    forEachSubschema(node, (child) => this.recordBase(child, base));
  }

  schemaById(id: string): SchemaNode {
    const schema = this.files.get(id);
    if (!schema) throw new Error(`no schema ${id}`);
    return schema;
  }

  /** The schema a `$ref` inside `from` points to, if it is one of ours. */
  resolveRef(from: SchemaNode, ref: string): SchemaNode | undefined {
    const base = this.baseOf.get(from);
    if (base === undefined) return undefined;
    const url = new URL(ref, base);
    const pointer = url.hash.slice(1);
    url.hash = '';
    const target = pointerGet(this.files.get(url.href), pointer);
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

  /** The validator of one kind's documents, compiled on first use. */
  validatorFor(kind: string): ValidateFunction | undefined {
    const id = this.kindSchemaIds.get(kind);
    if (id === undefined) return undefined;
    let validate = this.validators.get(id);
    if (!validate) {
      validate = this.ajv.getSchema(id);
      if (!validate) throw new Error(`schema ${id} did not compile`);
      this.validators.set(id, validate);
    }
    return validate;
  }

  /**
   * The validator of what every document shares (the entry schema without its per-kind
   * branches): it explains a document whose kind is missing or unknown.
   */
  envelope(): ValidateFunction {
    if (!this.envelopeValidator) {
      const entry = this.schemaById(SCHEMA_BASE + ENTRY_SCHEMA);
      const { allOf: _branches, ...shared } = entry;
      const envelope = { ...shared, $id: SCHEMA_BASE + 'envelope.schema.json' };
      this.recordBase(envelope, SCHEMA_BASE + ENTRY_SCHEMA);
      this.envelopeValidator = this.ajv.compile(envelope);
    }
    return this.envelopeValidator;
  }
}

let shared: ManifestSchemas | undefined;

/** The process-wide compiled schemas (compiling is the slow part; it happens once). */
export function manifestSchemas(): ManifestSchemas {
  shared ??= new ManifestSchemas();
  return shared;
}
