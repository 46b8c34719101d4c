// Validates one document against its kind's schema and fills in agoractl's own defaults.
import { ErrorCode } from './errors.ts';
import { explainErrors } from './explain.ts';
import type { Issue } from './explain.ts';
import { isRecord } from './paths.ts';
import { isSchemaNode } from './schemas.ts';
import type { ManifestSchemas } from './schemas.ts';
import type { ManifestKinds } from './kind-rules.ts';

/** The problems of one document; empty when it is valid. */
export function validateDocument(value: unknown, schemas: ManifestSchemas, kinds: ManifestKinds): Issue[] {
  if (!isRecord(value)) {
    return [
      {
        path: [],
        location: { segments: [], at: 'value' },
        message: 'a manifest document must be a mapping with apiVersion, kind, metadata and spec',
        code: ErrorCode.InvalidType,
      },
    ];
  }
  const kind = value.kind;
  const validate = typeof kind === 'string' ? (kinds.get(kind)?.validate ?? schemas.validatorFor(kind)) : undefined;
  if (validate) return validate(value) ? [] : explainErrors(validate.errors ?? [], value, schemas);
  // No kind, or one we do not know: what every document shares says what is wrong.
  const envelope = schemas.envelope();
  return envelope(value) ? [] : explainErrors(envelope.errors ?? [], value, schemas);
}

/** agoractl's own defaults of a Project (a kind module declares its own: kind-rules.ts). */
const PROJECT_DEFAULTS = ['domain'] as const;

const defaultsByKind = new WeakMap<ManifestSchemas, Map<string, Array<[string, unknown]>>>();

/** The [field, default] pairs of a kind, read from its schema once. */
function agoractlDefaults(kind: string, fields: readonly string[], schemas: ManifestSchemas): Array<[string, unknown]> {
  let byKind = defaultsByKind.get(schemas);
  if (!byKind) {
    byKind = new Map();
    defaultsByKind.set(schemas, byKind);
  }
  let defaults = byKind.get(kind);
  if (!defaults) {
    defaults = [];
    const id = schemas.schemaIdOf(kind);
    const documentProperties = id === undefined ? undefined : schemas.schemaById(id).properties;
    const specRef = isSchemaNode(documentProperties) && isSchemaNode(documentProperties.spec) ? documentProperties.spec : undefined;
    const specProperties = specRef ? schemas.deref(specRef).properties : undefined;
    for (const field of fields) {
      const property = isSchemaNode(specProperties) ? specProperties[field] : undefined;
      if (isSchemaNode(property) && property.default !== undefined) defaults.push([field, property.default]);
    }
    byKind.set(kind, defaults);
  }
  return defaults;
}

export function applyAgoractlDefaults(kind: string, spec: Record<string, unknown>, schemas: ManifestSchemas, kinds: ManifestKinds): void {
  const fields = kind === 'Project' ? PROJECT_DEFAULTS : (kinds.get(kind)?.defaults ?? []);
  for (const [field, value] of agoractlDefaults(kind, fields, schemas)) if (spec[field] === undefined) spec[field] = value;
}
