// Small readers that check the shape of a response body and give it a type. Fields agoractl
// does not know are ignored (Agora adds fields over time); a missing or mistyped field that
// it relies on is a ShapeError naming the field's path.

export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path || 'body'}: expected ${expected}`);
    this.name = 'ShapeError';
  }
}

export type Reader<T> = (value: unknown, path: string) => T;

/** Marks a field that may be absent (or null, which Agora sends for unset fields). */
export interface Optional<T> {
  readonly optional: Reader<T>;
}

export const str: Reader<string> = (value, path) => {
  if (typeof value !== 'string') throw new ShapeError(path, 'a string');
  return value;
};

export const num: Reader<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ShapeError(path, 'a number');
  return value;
};

export const bool: Reader<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new ShapeError(path, 'a boolean');
  return value;
};

/** A number sent either as a JSON number or as a string of digits (Cloud Recording's uid). */
export const numericString: Reader<string> = (value, path) => {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value;
  throw new ShapeError(path, 'a string or a number');
};

/** Any JSON value, kept as it is (for parts agoractl passes through without reading). */
export const json: Reader<unknown> = (value) => value;

export function optional<T>(reader: Reader<T>): Optional<T> {
  return { optional: reader };
}

export function array<T>(reader: Reader<T>): Reader<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new ShapeError(path, 'an array');
    return value.map((item, i) => reader(item, `${path}[${i}]`));
  };
}

export function oneOf<T>(...readers: Reader<T>[]): Reader<T> {
  return (value, path) => {
    const expected: string[] = [];
    for (const reader of readers) {
      try {
        return reader(value, path);
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        expected.push(err.expected);
      }
    }
    throw new ShapeError(path, expected.join(' or '));
  };
}

type Field = Reader<unknown> | Optional<unknown>;
type Shape = Record<string, Field>;
type Required<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? never : K]: S[K] extends Reader<infer T> ? T : never };
type Optionals<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never };
export type ShapeOf<S extends Shape> = Required<S> & Optionals<S>;

export function object<S extends Shape>(shape: S): Reader<ShapeOf<S>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(path, 'an object');
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      const fieldPath = path ? `${path}.${key}` : key;
      const raw = source[key];
      if ('optional' in field) {
        if (raw !== undefined && raw !== null) out[key] = field.optional(raw, fieldPath);
      } else {
        out[key] = field(raw, fieldPath);
      }
    }
    return out as ShapeOf<S>;
  };
}
