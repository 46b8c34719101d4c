// The schemas hold together: they compile strictly, refuse unknown fields everywhere, match the
// shared limit table, and keep the shapes resolveSecrets relies on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT_KEYS, QUOTA_KEYS } from '../../src/agora/limits.ts';
import { SCHEMA_BASE, SCHEMA_FILES, ManifestSchemas, forEachSubschema, isSchemaNode } from '../../src/manifest/schemas.ts';
import type { SchemaNode } from '../../src/manifest/schemas.ts';

const schemas = new ManifestSchemas();
const files = SCHEMA_FILES.map((name) => ({ name, schema: schemas.schemaById(SCHEMA_BASE + name) }));

/** A schema that describes an object (not an if/then condition that names some fields). */
function describesObject(node: SchemaNode): boolean {
  return node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object'));
}

function everySubschema(visit: (node: SchemaNode, file: string) => void): void {
  for (const { name, schema } of files) {
    const walk = (node: SchemaNode): void => {
      visit(node, name);
      forEachSubschema(node, walk);
    };
    walk(schema);
  }
}

describe('the schemas', () => {
  test('offer the four kinds, each compiling in strict mode', () => {
    assert.deepEqual(schemas.kinds, ['Project', 'CloudPlayer', 'CloudRecording', 'OriginSite']);
    for (const kind of schemas.kinds) {
      assert.ok(schemas.validatorFor(kind), kind);
      const id = schemas.schemaIdOf(kind) ?? '';
      const properties = schemas.schemaById(id).properties;
      assert.ok(isSchemaNode(properties) && isSchemaNode(properties.kind));
      assert.equal(properties.kind.const, kind, `${id} is the schema of ${kind}`);
    }
  });

  test('refer to each other by relative paths and carry no $id, so editors resolve them from the files', () => {
    const absolute: string[] = [];
    everySubschema((node, file) => {
      if (typeof node.$ref === 'string' && /^[a-z]+:/i.test(node.$ref)) absolute.push(`${file}: ${node.$ref}`);
    });
    assert.deepEqual(absolute, []);
    assert.deepEqual(
      files.filter(({ schema }) => '$id' in schema).map(({ name }) => name),
      [],
    );
  });

  test('refuse unknown fields in every object they describe', () => {
    const open: string[] = [];
    let objects = 0;
    everySubschema((node, file) => {
      if (describesObject(node)) objects += 1;
      if (describesObject(node) && node.additionalProperties !== false && file !== 'manifest.schema.json') {
        open.push(`${file}: ${isSchemaNode(node.properties) ? Object.keys(node.properties).join(', ') : '(no properties)'}`);
      }
    });
    assert.deepEqual(open, []);
    assert.ok(objects > 30, `walked ${objects} object schemas`);
  });

  test("give every kind's name a documented pattern", () => {
    for (const kind of schemas.kinds) {
      const properties = schemas.schemaById(schemas.schemaIdOf(kind) ?? '').properties;
      const metadata = isSchemaNode(properties) && isSchemaNode(properties.metadata) ? properties.metadata.properties : undefined;
      const name = isSchemaNode(metadata) && isSchemaNode(metadata.name) ? schemas.deref(metadata.name) : undefined;
      assert.equal(typeof name?.pattern, 'string', `${kind} metadata.name has a pattern`);
      assert.equal(typeof name?.errorMessage, 'string', `${kind} metadata.name explains its pattern`);
    }
  });

  test('take exactly the limit keys of the shared limit table in Project.spec.limits', () => {
    const limits = schemas.resolveRef(schemas.schemaById(`${SCHEMA_BASE}project.schema.json`), '#/$defs/limits');
    assert.ok(isSchemaNode(limits) && isSchemaNode(limits.properties));
    assert.deepEqual(Object.keys(limits.properties).sort(), [...LIMIT_KEYS, ...QUOTA_KEYS].sort());
  });

  test('allow an object with a lone env or file field only as an EnvRef or FileRef', () => {
    const common = schemas.schemaById(`${SCHEMA_BASE}common.schema.json`);
    const references = [schemas.resolveRef(common, '#/$defs/envRef'), schemas.resolveRef(common, '#/$defs/fileRef')];
    const elsewhere: string[] = [];
    everySubschema((node, file) => {
      if (!isSchemaNode(node.properties) || references.includes(node)) return;
      for (const field of ['env', 'file']) if (field in node.properties) elsewhere.push(`${file}: ${field}`);
    });
    assert.deepEqual(elsewhere, []);
  });

  test('declare every secret as a reference that refuses literals', () => {
    const secretFields: string[] = [];
    everySubschema((node, file) => {
      if (!isSchemaNode(node.properties)) return;
      for (const [field, child] of Object.entries(node.properties)) {
        if (isSchemaNode(child) && typeof child.$ref === 'string' && /#\/\$defs\/(secretRef|tokenSource)$/.test(child.$ref)) secretFields.push(`${file}:${field}`);
      }
    });
    assert.deepEqual(secretFields.sort(), [
      'cloudplayer.schema.json:encryptKdfSalt',
      'cloudplayer.schema.json:encryptKey',
      'cloudplayer.schema.json:token',
      'cloudrecording.schema.json:accessKey',
      'cloudrecording.schema.json:salt',
      'cloudrecording.schema.json:secret',
      'cloudrecording.schema.json:secretKey',
      'cloudrecording.schema.json:stsToken',
      'cloudrecording.schema.json:token',
      'project.schema.json:appCertificate',
      'project.schema.json:customerSecret',
      'project.schema.json:secret',
    ]);
  });
});
