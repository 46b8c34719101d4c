// Field-level rows of docs/agora-conformance.md: a row is a field and its boundary values in and
// out, each sent to the emulator in an otherwise valid request.

/** A value that removes the field instead of setting it. */
export const ABSENT = Symbol('absent');

/** A copy of `base` with `value` at the dotted `path` (objects on the way are copied, arrays kept). */
export function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return base;
  const out = { ...base };
  if (rest.length === 0) {
    if (value === ABSENT) delete out[head];
    else out[head] = value;
    return out;
  }
  const child = out[head];
  out[head] = withField(typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {}, rest.join('.'), value);
  return out;
}

/** Several fields at once: `{ 'a.b': 1, c: ABSENT }`. */
export function withFields(base: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  return Object.entries(fields).reduce((acc, [path, value]) => withField(acc, path, value), base);
}

export const uids = (n: number): string[] => Array.from({ length: n }, (_, i) => String(1000 + i));
