// Turns Ajv's raw errors for one document into one plain message per problem, each with the
// field path it concerns and the node to point at. Ajv (allErrors) reports every failed branch
// of a oneOf/anyOf and every `if` whose `then` failed; users need the branch they meant, the
// condition in words, and "did you mean" for a misspelt field.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { ErrorCode } from './errors.ts';
import { didYouMean, isRecord, pointerSegments, valueAt } from './paths.ts';
import type { Segment } from './paths.ts';
import { isSchemaNode } from './schemas.ts';
import type { ManifestSchemas, SchemaNode } from './schemas.ts';

export interface Issue {
  /** The field the problem concerns. */
  path: Segment[];
  /** The node to point at: the value at `segments`, or the key that names it. */
  location: { segments: Segment[]; at: 'key' | 'value' };
  message: string;
  code: ErrorCode;
}

interface Condition {
  /** "mode is web", "layoutConfig is set". */
  text: string;
  /** Where the condition's first field is: required-if errors point there. */
  segments: Segment[];
}

// An error of a oneOf/anyOf branch that rules the branch out: the value does not even have the
// branch's shape.
const SHAPE_KEYWORDS = new Set(['type', 'required', 'const', 'enum']);

export function explainErrors(errors: readonly ErrorObject[], data: unknown, schemas: ManifestSchemas): Issue[] {
  return new Explainer(data, schemas).explain(errors);
}

class Explainer {
  private readonly conditions = new Map<SchemaNode, { pointer: string; condition: Condition }>();
  private readonly secretRefusals = new Set<string>();

  constructor(
    private readonly data: unknown,
    private readonly schemas: ManifestSchemas,
  ) {}

  explain(raw: readonly ErrorObject[]): Issue[] {
    const errors = dedupe(raw).filter((error) => {
      if (error.keyword === 'if') {
        this.recordCondition(error);
        return false;
      }
      if (error.keyword === 'secret') this.secretRefusals.add(this.combinatorKey(error));
      return true;
    });
    const issues = this.explainList(errors);
    const seen = new Set<string>();
    return issues.filter((issue) => {
      const key = `${issue.path.join('\u0000')}\u0001${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private segments(error: ErrorObject): Segment[] {
    return pointerSegments(error.instancePath, this.data);
  }

  private combinatorKey(error: ErrorObject): string {
    return `${error.instancePath}\u0000${schemaIdentity(error.parentSchema)}`;
  }

  /** An `if` that held and whose `then` failed: its then-errors get "when <condition>". */
  private recordCondition(error: ErrorObject): void {
    const parent = error.parentSchema;
    if (!isSchemaNode(parent) || !isSchemaNode(parent.if) || !isSchemaNode(parent.then)) return;
    const at = this.segments(error);
    const here = valueAt(this.data, at);
    const keys = Array.isArray(parent.if.required) ? parent.if.required.filter((key): key is string => typeof key === 'string') : [];
    const tested = isSchemaNode(parent.if.properties) ? parent.if.properties : {};
    const text = keys
      .map((key) => (key in tested && isRecord(here) ? `${key} is ${describeValue(here[key])}` : `${key} is set`))
      .join(' and ');
    if (text === '') return;
    const firstKey = keys[0];
    const condition = { text, segments: firstKey === undefined ? at : [...at, firstKey] };
    this.conditions.set(parent.then, { pointer: error.instancePath, condition });
    const thenProperties = parent.then.properties;
    if (isSchemaNode(thenProperties)) {
      for (const [key, child] of Object.entries(thenProperties)) {
        if (isSchemaNode(child)) this.conditions.set(child, { pointer: `${error.instancePath}/${escapePointer(key)}`, condition });
      }
    }
  }

  private conditionOf(error: ErrorObject): Condition | undefined {
    const parent = error.parentSchema;
    if (!isSchemaNode(parent)) return undefined;
    const recorded = this.conditions.get(parent);
    return recorded && recorded.pointer === error.instancePath ? recorded.condition : undefined;
  }

  private explainList(errors: readonly ErrorObject[]): Issue[] {
    const owners = errors.filter((error) => isCombinator(error) || error.keyword === 'contains');
    const members = new Map<ErrorObject, ErrorObject[]>();
    const owned = new Set<ErrorObject>();
    for (const owner of owners) {
      const mine = errors.filter((error) => error !== owner && this.belongsTo(error, owner));
      members.set(owner, mine);
      for (const error of mine) owned.add(error);
    }
    // A `contains` reports each item that failed its subschema too; its own message says it all.
    return errors
      .filter((error) => !owned.has(error))
      .flatMap((error) => (isCombinator(error) ? this.explainCombinator(error, members.get(error) ?? []) : this.explainOne(error)));
  }

  /** The subschemas whose failures an error of oneOf / anyOf / contains stands for. */
  private branchesOf(owner: ErrorObject): SchemaNode[] {
    const parent = owner.parentSchema;
    const value = isSchemaNode(parent) ? parent[owner.keyword] : undefined;
    if (isSchemaNode(value)) return [value];
    return Array.isArray(value) ? value.filter(isSchemaNode) : [];
  }

  private belongsTo(error: ErrorObject, combinator: ErrorObject): boolean {
    const base = combinator.instancePath;
    if (error.instancePath !== base && !error.instancePath.startsWith(`${base}/`)) return false;
    const parent = error.parentSchema;
    if (!isSchemaNode(parent)) return false;
    return this.branchesOf(combinator).some((branch) => this.schemas.reach(branch).has(parent));
  }

  private explainCombinator(combinator: ErrorObject, members: ErrorObject[]): Issue[] {
    // A literal string where a secret reference belongs: the `secret` keyword says it better.
    if (this.secretRefusals.has(this.combinatorKey(combinator))) return [];
    const at = this.segments(combinator);
    const branches = this.branchesOf(combinator);
    const parent = isSchemaNode(combinator.parentSchema) ? combinator.parentSchema : {};
    const requiredChoice = branches.map(requiredOnly);
    if (requiredChoice.every((keys): keys is string[] => keys !== undefined)) {
      return [this.explainRequiredChoice(at, requiredChoice.flat())];
    }
    const passing: unknown = isRecord(combinator.params) ? combinator.params.passingSchemas : undefined;
    if (Array.isArray(passing)) {
      return [{ path: at, location: { segments: at, at: 'value' }, message: messageOf(parent) ?? 'matches more than one of the allowed forms', code: ErrorCode.InvalidValue }];
    }
    const byBranch = branches.map((branch) => members.filter((error) => isSchemaNode(error.parentSchema) && this.schemas.reach(branch).has(error.parentSchema)));
    const plausible = byBranch.filter((branchErrors) => !branchErrors.some((error) => error.instancePath === combinator.instancePath && SHAPE_KEYWORDS.has(error.keyword)));
    if (plausible.length > 0) {
      const fewest = Math.min(...plausible.map((branchErrors) => branchErrors.length));
      const best = plausible.filter((branchErrors) => branchErrors.length === fewest);
      const chosen = best[0];
      if (best.length === 1 && chosen) return this.explainList(chosen);
    }
    const unknown = this.unknownFieldsOfAll(at, branches);
    if (unknown.length > 0) return unknown;
    const typeOnly = byBranch.every((branchErrors) => branchErrors.some((error) => error.keyword === 'type' && error.instancePath === combinator.instancePath));
    return [
      {
        path: at,
        location: { segments: at, at: 'value' },
        message: messageOf(parent) ?? 'does not match any of the allowed forms',
        code: typeOnly ? ErrorCode.InvalidType : ErrorCode.InvalidValue,
      },
    ];
  }

  /** `oneOf: [{ required: [uid] }, { required: [account] }]`: exactly one of the fields. */
  private explainRequiredChoice(at: Segment[], keys: string[]): Issue {
    const here = valueAt(this.data, at);
    const present = isRecord(here) ? keys.filter((key) => key in here) : [];
    const list = keys.join(', ');
    const second = present[1];
    if (second !== undefined) {
      const others = present.filter((key) => key !== second).join(', ');
      return {
        path: [...at, second],
        location: { segments: [...at, second], at: 'key' },
        message: `cannot be set together with ${others}: set exactly one of ${list}`,
        code: ErrorCode.Conflict,
      };
    }
    return { path: at, location: { segments: at, at: 'key' }, message: `must set exactly one of ${list}`, code: ErrorCode.Required };
  }

  /** Fields of an object that none of the alternatives knows (`token: { evn: X }`). */
  private unknownFieldsOfAll(at: Segment[], branches: SchemaNode[]): Issue[] {
    const here = valueAt(this.data, at);
    if (!isRecord(here)) return [];
    const known = new Set<string>();
    for (const branch of branches) {
      const properties = this.schemas.deref(branch).properties;
      if (isSchemaNode(properties)) for (const key of Object.keys(properties)) known.add(key);
    }
    if (known.size === 0) return [];
    return Object.keys(here)
      .filter((key) => !known.has(key))
      .map((key) => ({
        path: [...at, key],
        location: { segments: [...at, key], at: 'key' as const },
        message: `unknown field ${JSON.stringify(key)}${didYouMean(key, known)}`,
        code: ErrorCode.UnknownField,
      }));
  }

  private explainOne(error: ErrorObject): Issue[] {
    const at = this.segments(error);
    const parent = isSchemaNode(error.parentSchema) ? error.parentSchema : {};
    const params: Record<string, unknown> = isRecord(error.params) ? error.params : {};
    const condition = this.conditionOf(error);
    const when = condition ? ` when ${condition.text}` : '';
    const issue = (message: string, code: ErrorCode, path: Segment[] = at, location: Issue['location'] = { segments: at, at: 'value' }): Issue[] => [
      { path, location, message, code },
    ];

    switch (error.keyword) {
      case 'required': {
        const missing = String(params.missingProperty);
        if (condition) return issue(`is required${when}`, ErrorCode.Required, [...at, missing], { segments: condition.segments, at: 'value' });
        return issue('is required', ErrorCode.Required, [...at, missing], { segments: at, at: 'key' });
      }
      case 'dependentRequired': {
        const missing = String(params.missingProperty);
        const property = String(params.property);
        return issue(`is required when ${property} is set`, ErrorCode.Required, [...at, missing], { segments: [...at, property], at: 'key' });
      }
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const known = isSchemaNode(parent.properties) ? Object.keys(parent.properties) : [];
        return issue(`unknown field ${JSON.stringify(key)}${didYouMean(key, known)}`, ErrorCode.UnknownField, [...at, key], { segments: [...at, key], at: 'key' });
      }
      case 'type':
        return issue(messageOf(parent) ?? `must be ${typeWords(params.type)}`, ErrorCode.InvalidType);
      case 'enum': {
        const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
        const value = valueAt(this.data, at);
        const hint = typeof value === 'string' ? didYouMean(value, allowed.filter((item): item is string => typeof item === 'string')) : '';
        return issue(`must be one of: ${describeChoices(allowed)}${when}${hint}`, ErrorCode.InvalidValue);
      }
      case 'const':
        return issue(`must be ${describeLiteral(params.allowedValue)}${when}`, ErrorCode.InvalidValue);
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        return issue(`must be ${String(params.comparison)} ${String(params.limit)}${when}`, ErrorCode.OutOfRange);
      case 'minLength':
        return issue(params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`, ErrorCode.InvalidLength);
      case 'maxLength':
        return issue(`must be at most ${String(params.limit)} characters`, ErrorCode.InvalidLength);
      case 'maxBytes':
        return issue(`must be at most ${String(parent.maxBytes)} bytes`, ErrorCode.InvalidLength);
      case 'maxJoinedLength':
        return issue(`must be at most ${String(parent.maxJoinedLength)} characters joined with "/"`, ErrorCode.InvalidLength);
      case 'minItems':
        return issue(`must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`, ErrorCode.InvalidLength);
      case 'maxItems':
        return issue(`must have at most ${String(params.limit)} items`, ErrorCode.InvalidLength);
      case 'uniqueItems':
        return issue(`must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`, ErrorCode.InvalidValue);
      case 'pattern':
        return issue(messageOf(parent) ?? `must match the pattern ${String(params.pattern)}`, ErrorCode.InvalidValue);
      case 'format':
        return issue(messageOf(parent) ?? `must be a valid ${String(params.format)}`, ErrorCode.InvalidValue);
      case 'contains':
        return issue(messageOf(parent) ?? 'does not contain a required item', ErrorCode.InvalidValue);
      case 'secret':
        return issue(`literal secret; use ${String(parent.secret)}`, ErrorCode.LiteralSecret);
      case 'not':
        return this.explainNot(error, at, parent, when);
      default:
        return issue(`${error.message ?? 'is not valid'}${when}`, ErrorCode.InvalidValue);
    }
  }

  private explainNot(error: ErrorObject, at: Segment[], parent: SchemaNode, when: string): Issue[] {
    const forbidden = isSchemaNode(error.schema) ? error.schema : {};
    const keys = requiredOnly(forbidden);
    if (keys !== undefined && keys.length > 0) {
      const last = keys[keys.length - 1] ?? '';
      const others = keys.slice(0, -1);
      const message = others.length > 0 ? `cannot be set together with ${others.join(', ')}${when}` : `must not be set${when}`;
      return [{ path: [...at, last], location: { segments: [...at, last], at: 'key' }, message, code: ErrorCode.Conflict }];
    }
    if ('const' in forbidden) {
      return [{ path: at, location: { segments: at, at: 'value' }, message: `must not be ${describeLiteral(forbidden.const)}${when}`, code: ErrorCode.InvalidValue }];
    }
    return [{ path: at, location: { segments: at, at: 'value' }, message: `${messageOf(parent) ?? 'is not allowed'}${when}`, code: ErrorCode.InvalidValue }];
  }
}

function isCombinator(error: ErrorObject): boolean {
  return error.keyword === 'oneOf' || error.keyword === 'anyOf';
}

/** The field names of a schema that only says `required: [...]`. */
function requiredOnly(schema: SchemaNode): string[] | undefined {
  const keys = Object.keys(schema);
  if (keys.length !== 1 || keys[0] !== 'required' || !Array.isArray(schema.required)) return undefined;
  return schema.required.filter((key): key is string => typeof key === 'string');
}

function messageOf(schema: SchemaNode): string | undefined {
  return typeof schema.errorMessage === 'string' ? schema.errorMessage : undefined;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((name) => TYPE_WORDS[String(name)] ?? String(name)).join(' or ');
}

/** Allowed values for a message; in a long list, runs of consecutive integers as `a-b`. */
function describeChoices(values: readonly unknown[]): string {
  if (values.length <= 10) return values.map(describeLiteral).join(', ');
  const parts: string[] = [];
  for (let index = 0; index < values.length; index++) {
    let end = index;
    while (isInteger(values[end]) && isInteger(values[end + 1]) && (values[end + 1] as number) === (values[end] as number) + 1) end += 1;
    if (end - index >= 3) {
      parts.push(`${String(values[index])}-${String(values[end])}`);
      index = end;
    } else {
      parts.push(describeLiteral(values[index]));
    }
  }
  return parts.join(', ');
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function describeLiteral(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** A value inside a sentence: strings bare ("mode is web"), the rest as JSON. */
function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : describeLiteral(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/** A stable number per schema object, to key maps by (instance path, schema). */
function schemaIdentity(schema: unknown): number {
  if (typeof schema !== 'object' || schema === null) return 0;
  let id = identities.get(schema);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(schema, id);
  }
  return id;
}

/**
 * Errors without repeats, and without the character count when the byte count says the same
 * (maxLength and maxBytes on one field).
 */
function dedupe(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const withBytes = new Set(errors.filter((error) => error.keyword === 'maxBytes').map((error) => error.instancePath));
  return errors.filter((error) => {
    if (error.keyword === 'maxLength' && withBytes.has(error.instancePath)) return false;
    const key = `${error.instancePath}\u0000${error.keyword}\u0000${JSON.stringify(error.params)}\u0000${schemaIdentity(error.parentSchema)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
