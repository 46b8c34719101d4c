// The JSON Schemas in schemas/, read once, as plain objects. Both the ahead-of-time compiled
// validators (validators.generated.ts) and the error explainer refer to these very objects:
// Ajv's verbose errors name the schema node that failed by identity, and the explainer walks
// the same nodes to tell which oneOf branch or if/then condition an error belongs to.
import { readFileSync } from 'node:fs';

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
export const ENTRY_SCHEMA_ID = SCHEMA_BASE + 'manifest.schema.json';
/** The id of the envelope: the entry schema without its per-kind branches. */
export const ENVELOPE_SCHEMA_ID = SCHEMA_BASE + 'envelope.schema.json';

/** A JSON Schema object as read from disk. */
export type SchemaNode = Record<string, unknown>;

export function isSchemaNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let files: Map<string, SchemaNode> | undefined;

/** Every schema file by its id, read on first use. */
export function schemaFiles(): ReadonlyMap<string, SchemaNode> {
  if (!files) {
    files = new Map();
    for (const name of SCHEMA_FILES) {
      const parsed: unknown = JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));
      if (!isSchemaNode(parsed)) throw new Error(`schemas/${name} is not a JSON Schema object`);
      files.set(SCHEMA_BASE + name, parsed);
    }
    // The envelope shares every subschema with the entry file (a shallow copy), so an error
    // found through it points at the entry file's nodes.
    const { allOf: _branches, ...shared } = schemaFile(ENTRY_SCHEMA_ID);
    files.set(ENVELOPE_SCHEMA_ID, { ...shared, $id: ENVELOPE_SCHEMA_ID });
  }
  return files;
}

export function schemaFile(id: string): SchemaNode {
  const schema = (files ?? schemaFiles()).get(id);
  if (!schema) throw new Error(`no schema ${id}`);
  return schema;
}

/** The node at a JSON pointer (RFC 6901) inside a schema file. */
export function pointerGet(root: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return root;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** For the generated validators: the schema node they were compiled from, by file and pointer. */
export function schemaNodeAt(id: string, pointer: string): unknown {
  const node = pointerGet(schemaFile(id), pointer);
  if (node === undefined) throw new Error(`schemas changed since the validators were generated: no ${id}#${pointer} (run npm run build)`);
  return node;
}

/** For each kind the entry schema's `if kind == X then $ref` selects: the id of its schema. */
export function kindSchemaIds(entry: SchemaNode): Map<string, string> {
  const ids = new Map<string, string>();
  const branches = Array.isArray(entry.allOf) ? entry.allOf : [];
  for (const branch of branches) {
    if (!isSchemaNode(branch) || !isSchemaNode(branch.if) || !isSchemaNode(branch.then)) continue;
    const ifProperties = branch.if.properties;
    const kindTest = isSchemaNode(ifProperties) ? ifProperties.kind : undefined;
    const ref = branch.then.$ref;
    if (isSchemaNode(kindTest) && typeof kindTest.const === 'string' && typeof ref === 'string') {
      ids.set(kindTest.const, new URL(ref, ENTRY_SCHEMA_ID).href);
    }
  }
  return ids;
}
