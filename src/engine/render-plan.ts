// The plan as a person reads it, in Terraform's notation: + create, - delete, -/+ replace,
// ~ update, and "# forces replacement" after a field Agora cannot change in place. Secret values
// never reach here (the plan holds "(sensitive)" in their place).
import type { FieldChange, PlannedAction, ActionType } from '../resources/kind.ts';
import type { Plan } from './plan.ts';

const SYMBOL: Record<ActionType, string> = { create: '+', delete: '-', replace: '-/+', update: '~', adopt: '<=', forget: '.', conflict: '!' };
const VERB: Record<ActionType, string> = {
  create: 'will be created',
  delete: 'will be deleted',
  replace: 'will be replaced',
  update: 'will be updated in place',
  adopt: 'will be adopted',
  forget: 'will be forgotten (nothing to delete in Agora)',
  conflict: 'is in conflict and will not be changed',
};

export const NO_CHANGES = 'No changes. Agora matches the manifests.';

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const error of plan.errors) lines.push(`Error: ${error.message}`);
  if (plan.errors.length > 0) lines.push('');
  if (plan.actions.length === 0) {
    lines.push(NO_CHANGES);
  } else {
    lines.push('agoractl will perform the following actions:', '');
    for (const action of plan.actions) lines.push(...renderAction(action), '');
    lines.push(summaryLine(plan));
  }
  if (plan.unmanaged.length > 0) {
    lines.push('', `Not managed by agoractl (left alone): ${plan.unmanaged.length}`);
    for (const u of plan.unmanaged.slice(0, 20)) lines.push(`  ${u.project}/${u.kind}/${u.name}${u.externalId ? ` (id ${u.externalId})` : ''}`);
    if (plan.unmanaged.length > 20) lines.push(`  ... and ${plan.unmanaged.length - 20} more`);
  }
  return lines.join('\n');
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const extra = [s.adopt ? `${s.adopt} to adopt` : '', s.forget ? `${s.forget} to forget` : '', s.conflict ? `${s.conflict} in conflict` : '']
    .filter(Boolean)
    .join(', ');
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete${extra ? `, ${extra}` : ''}.`;
}

function renderAction(action: PlannedAction): string[] {
  const lines = [`  # ${action.key} ${VERB[action.type]}: ${action.reason}`, `  ${SYMBOL[action.type]} ${action.kind} "${action.name}"`];
  for (const change of action.changes) lines.push(`      ${renderChange(action.type, change)}`);
  return lines;
}

function renderChange(type: ActionType, change: FieldChange): string {
  const forces = change.forcesReplacement ? ' # forces replacement' : '';
  if (change.unrecorded) return `~ ${change.path}: changed (not recorded before this version)${forces}`;
  const show = (v: unknown): string => (v === undefined ? '(unset)' : change.sensitive ? '(sensitive)' : shownValue(v));
  if (type === 'create') return `+ ${change.path} = ${show(change.after)}`;
  if (type === 'delete') return `- ${change.path} = ${show(change.before)}`;
  return `~ ${change.path}: ${show(change.before)} -> ${show(change.after)}${forces}`;
}

// A string shows bare, as a manifest would write it, when YAML would read it back as that
// string and it cannot be taken for the line's own syntax (no space, quote, `#` or `>`);
// anything else shows as JSON.
const BARE = /^[A-Za-z][\w./:@+=?&%~-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|y|n|null)$/i;

function shownValue(value: unknown): string {
  if (typeof value === 'string' && BARE.test(value) && !YAML_WORDS.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}
