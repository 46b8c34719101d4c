// Fault injection by rule (`POST /_emulator/faults`): the unpleasant parts of a real network
// and of Agora's gateway on demand — 429s, 5xx, a 504 after the change was made (the outcome
// is unknown to the caller: media-pull-best-practices.txt), dropped connections, slow answers,
// and 404s while a player is in failover (media-pull-best-practices.txt "Failover").
import { randomUUID } from 'node:crypto';
import { isCount, isNumber, isObject } from './json.ts';

export const FAULT_EFFECTS = [
  '429',
  '500',
  '502',
  '503',
  '504-before',
  '504-after',
  'drop',
  'drop-before',
  'delay',
  '404',
] as const;
export type FaultEffect = (typeof FAULT_EFFECTS)[number];

/** Effects that let the handler run (the change is made) and then spoil or slow the answer. */
export const AFTER_EFFECTS: ReadonlySet<FaultEffect> = new Set(['504-after', 'drop', 'delay']);

export interface FaultMatch {
  /** HTTP method, case-insensitive; any when absent. */
  method?: string;
  /** A regular expression searched in the request path (without the query string). */
  path?: string;
  /** Only requests that reached this domain's listener. */
  domain?: string;
}

export interface FaultSpec {
  match: FaultMatch;
  effect: FaultEffect;
  /** How many requests it hits before it expires; null: unlimited. */
  count: number | null;
  /** Chance (0..1) that a matching request is hit, drawn from the seeded random. */
  probability: number;
  /** For "delay": how long the answer is held, in real milliseconds. */
  delayMs: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
  /** Requests hit so far. */
  hits: number;
}

interface CompiledRule {
  rule: FaultRule;
  method: string | null;
  path: RegExp | null;
}

export class FaultInjector {
  readonly #random: () => number;
  #rules: CompiledRule[] = [];

  constructor(random: () => number) {
    this.#random = random;
  }

  get size(): number {
    return this.#rules.length;
  }

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = { id: randomUUID(), ...spec, hits: 0 };
    this.#rules.push({
      rule,
      method: spec.match.method ? spec.match.method.toUpperCase() : null,
      path: spec.match.path === undefined ? null : new RegExp(spec.match.path),
    });
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.#rules.map(({ rule }) => ({ ...rule, match: { ...rule.match } }));
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter(({ rule }) => rule.id !== id);
    return this.#rules.length !== before;
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * The first rule, in the order added, that matches the request and fires (its probability
   * drawn); it uses up one of its count. Null when no fault applies.
   */
  pick(method: string, path: string, domain: string): FaultRule | null {
    for (let i = 0; i < this.#rules.length; i += 1) {
      const compiled = this.#rules[i] as CompiledRule;
      const { rule } = compiled;
      if (compiled.method !== null && compiled.method !== method) continue;
      if (rule.match.domain !== undefined && rule.match.domain !== domain) continue;
      if (compiled.path !== null && !compiled.path.test(path)) continue;
      if (rule.probability < 1 && this.#random() >= rule.probability) continue;
      rule.hits += 1;
      if (rule.count !== null) {
        rule.count -= 1;
        if (rule.count <= 0) this.#rules.splice(i, 1);
      }
      return rule;
    }
    return null;
  }
}

/** Parses a `POST /_emulator/faults` body; the error names the first bad field. */
export function parseFaultSpec(body: unknown): { spec: FaultSpec } | { error: string } {
  if (!isObject(body)) return { error: 'The body must be a JSON object with "match" and "effect".' };
  const match = body.match ?? {};
  if (!isObject(match)) return { error: '"match" must be an object with optional "method", "path" and "domain".' };
  const spec: FaultSpec = { match: {}, effect: '500', count: null, probability: 1, delayMs: 0 };
  for (const field of ['method', 'path', 'domain'] as const) {
    const value = match[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) return { error: `"match.${field}" must be a non-empty string.` };
    spec.match[field] = value;
  }
  if (spec.match.path !== undefined) {
    try {
      new RegExp(spec.match.path);
    } catch {
      return { error: '"match.path" is not a valid regular expression.' };
    }
  }
  if (typeof body.effect !== 'string' || !(FAULT_EFFECTS as readonly string[]).includes(body.effect)) {
    return { error: `"effect" must be one of ${FAULT_EFFECTS.join(', ')}.` };
  }
  spec.effect = body.effect as FaultEffect;
  if (body.count !== undefined && body.count !== null) {
    if (!isCount(body.count) || body.count === 0) return { error: '"count" must be a positive integer.' };
    spec.count = body.count;
  }
  if (body.probability !== undefined) {
    if (!isNumber(body.probability) || body.probability < 0 || body.probability > 1) {
      return { error: '"probability" must be a number from 0 to 1.' };
    }
    spec.probability = body.probability;
  }
  if (spec.effect === 'delay' || body.delayMs !== undefined) {
    if (!isCount(body.delayMs)) return { error: '"delayMs" must be a non-negative integer (required for "delay").' };
    spec.delayMs = body.delayMs;
  }
  return { spec };
}
