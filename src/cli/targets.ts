// A `--target` must name something: a misspelt name would otherwise plan "No changes" and exit
// 0, and a pipeline would take that for success. Checked against the manifests and the state
// (a resource only in state is one apply would delete), before any change is made.
import { selected } from '../engine/plan.ts';
import { parseResourceKey } from '../state/resource-key.ts';

/** The targets that select none of `keys`. */
export function unmatchedTargets(targets: readonly string[] | undefined, keys: Iterable<string>): string[] {
  if (!targets || targets.length === 0) return [];
  const all = [...keys].flatMap((key) => parseResourceKey(key)?.key ?? []);
  return targets.filter((target) => !all.some((key) => selected([target], key)));
}

/** The one-line error for targets that name nothing; undefined when every target names something. */
export function unmatchedTargetsError(targets: readonly string[] | undefined, desiredKeys: Iterable<string>, stateKeys: Iterable<string>): string | undefined {
  const unmatched = unmatchedTargets(targets, [...desiredKeys, ...stateKeys]);
  if (unmatched.length === 0) return undefined;
  const list = unmatched.map((target) => `--target ${target}`).join(', ');
  return `Error: ${list} ${unmatched.length === 1 ? 'matches' : 'match'} no resource in the manifests or the state.`;
}
