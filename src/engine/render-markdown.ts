// The plan, and what apply made of it, as Markdown for a pull-request comment (as Atlantis
// posts Terraform's): a summary line, refused changes and conflicts first, then a table per
// project and kind with each resource's fields folded in a <details>. A pure function of the
// plan and the result: no clock, duration or path, and every list in a fixed order, so two
// runs against the same world print the same bytes and a reviewer can diff two comments.
// Every value from a manifest or from Agora goes through markdown-text.ts; secrets never reach
// here (the plan holds "(sensitive)" in their place, and the field says so).
import type { ActionType, FieldChange, PlannedAction } from '../resources/kind.ts';
import type { ApplyResult } from './apply.ts';
import { refusalOf, type Plan, type PlanError } from './plan.ts';
import { NO_CHANGES, summaryLine } from './render-plan.ts';
import { code, html, prose } from './markdown-text.ts';

const SYMBOL: Record<ActionType, string> = { create: '+', delete: '-', replace: '-/+', update: '~', adopt: '<=', forget: '.', conflict: '!' };
const PAST: Record<ActionType, string> = { create: 'created', update: 'updated', replace: 'replaced', delete: 'deleted', adopt: 'adopted', forget: 'forgotten', conflict: 'in conflict' };
/** Rows of unmanaged resources shown; the rest are counted (a comment holds at most 65,536 characters). */
const UNMANAGED_ROWS = 50;

type Outcome = 'done' | 'failed' | 'skipped' | 'not applied';

export function renderPlanMarkdown(plan: Plan): string {
  const summary = plan.actions.length === 0 ? NO_CHANGES : summaryLine(plan);
  return document('agoractl plan', [bold(plan.errors.length > 0 ? `${summary} Refused: apply would change nothing.` : summary)], plan, undefined);
}

/**
 * What apply did with `plan`. `result` undefined: apply carried out nothing because the plan
 * holds refused changes (plan.errors).
 */
export function renderApplyMarkdown(plan: Plan, result: ApplyResult | undefined): string {
  if (!result) {
    const summary = [bold('Nothing was applied: the plan holds refused changes.'), summaryLine(plan)];
    return document('agoractl apply', summary, plan, { outcomes: new Map(), result: { done: [], failed: [], skipped: [], durationMs: 0 } });
  }
  const outcomes = new Map<string, Outcome>();
  for (const a of result.done) outcomes.set(a.key, 'done');
  for (const f of result.failed) outcomes.set(f.action.key, 'failed');
  for (const s of result.skipped) outcomes.set(s.action.key, 'skipped');
  const count = (type: ActionType): string => `${result.done.filter((a) => a.type === type).length} ${PAST[type]}`;
  const verdict = result.failed.length + result.skipped.length > 0 ? 'Apply finished with errors.' : 'Apply complete.';
  const summary =
    plan.actions.length === 0
      ? `${verdict} ${NO_CHANGES}`
      : `${verdict} Resources: ${(['create', 'update', 'replace', 'delete', 'adopt', 'forget'] as const).map(count).join(', ')}, ${result.failed.length} failed, ${result.skipped.length} skipped.`;
  return document('agoractl apply', [bold(summary)], plan, { outcomes, result });
}

/** What apply made of each action; no outcome is "not applied". */
interface Applied {
  outcomes: ReadonlyMap<string, Outcome>;
  result: ApplyResult;
}

function document(title: string, summary: string[], plan: Plan, applied: Applied | undefined): string {
  const blocks = [`## ${title}`, ...summary];
  blocks.push(...refusedSection(plan));
  blocks.push(...conflictSection(plan, applied));
  if (applied) blocks.push(...failedSection(plan, applied.result), ...skippedSection(plan, applied.result));
  blocks.push(...kindSections(plan, applied));
  blocks.push(...unmanagedSection(plan));
  return blocks.join('\n\n');
}

function refusedSection(plan: Plan): string[] {
  if (plan.errors.length === 0) return [];
  const items = plan.errors.map((error) => {
    const held = plan.actions.filter((a) => refusalOf([error], a.key) !== undefined).length;
    return `- **${error.code}**${scopeOf(error)}: ${prose(error.message)} (holds back ${held} planned ${held === 1 ? 'change' : 'changes'})`;
  });
  return ['### Refused changes', 'apply carries out nothing while the plan holds one of these.', items.join('\n')];
}

function scopeOf(error: PlanError): string {
  const parts = [error.project === undefined ? '' : `project ${code(error.project, false)}`, error.kind === undefined ? '' : `kind ${code(error.kind, false)}`].filter(Boolean);
  return parts.length === 0 ? '' : ` in ${parts.join(', ')}`;
}

function conflictSection(plan: Plan, applied: Applied | undefined): string[] {
  const conflicts = plan.actions.filter((a) => a.type === 'conflict');
  if (conflicts.length === 0) return [];
  const rows = conflicts.map((a) => [code(a.project, true), code(a.kind, true), code(a.name, true), prose(a.reason)]);
  return [
    '### Conflicts',
    'agoractl changes none of these until someone resolves them.',
    table(['Project', 'Kind', 'Name', 'Reason'], rows),
    ...conflicts.flatMap((a) => details(a, a.key, applied)),
  ];
}

function failedSection(plan: Plan, result: ApplyResult): string[] {
  if (result.failed.length === 0) return [];
  const failed = inPlanOrder(plan, result.failed, (f) => f.action);
  // Agora's errors name the endpoint, status, vendor code and X-Request-ID (what its support asks for).
  const rows = failed.map(({ action, error }) => [...identity(action), action.type, prose(error.message)]);
  return ['### Failed', table(['Project', 'Kind', 'Name', 'Action', 'Error'], rows)];
}

function skippedSection(plan: Plan, result: ApplyResult): string[] {
  if (result.skipped.length === 0) return [];
  const skipped = inPlanOrder(plan, result.skipped, (s) => s.action);
  return ['### Skipped', table(['Project', 'Kind', 'Name', 'Action', 'Why'], skipped.map(({ action, why }) => [...identity(action), action.type, prose(why)]))];
}

/** One section per project and kind, in code-unit order of both; conflicts are above. */
function kindSections(plan: Plan, applied: Applied | undefined): string[] {
  const groups = new Map<string, PlannedAction[]>();
  for (const action of plan.actions) {
    if (action.type === 'conflict') continue;
    const id = JSON.stringify([action.project, action.kind]);
    const group = groups.get(id);
    if (group) group.push(action);
    else groups.set(id, [action]);
  }
  const sorted = [...groups.values()].sort((a, b) => compare(a[0]?.project ?? '', b[0]?.project ?? '') || compare(a[0]?.kind ?? '', b[0]?.kind ?? ''));
  return sorted.flatMap((actions) => {
    const first = actions[0];
    if (!first) return [];
    const header = ['', 'Name', 'Action', 'Reason', ...(applied ? ['Result'] : [])];
    const rows = actions.map((a) => [code(SYMBOL[a.type], true), code(a.name, true), actionCell(plan, a), prose(a.reason), ...(applied ? [outcomeOf(a, applied)] : [])]);
    return [`### ${code(first.kind, false)} in project ${code(first.project, false)}`, table(header, rows), ...actions.flatMap((a) => details(a, a.name, applied))];
  });
}

function actionCell(plan: Plan, action: PlannedAction): string {
  return refusalOf(plan.errors, action.key) ? `${action.type}, **refused**` : action.type;
}

function outcomeOf(action: PlannedAction, applied: Applied): string {
  return applied.outcomes.get(action.key) ?? 'not applied';
}

/** The fields of one resource, folded: `<summary>` is raw HTML, where Markdown is not parsed. */
function details(action: PlannedAction, label: string, applied: Applied | undefined): string[] {
  const outcome = applied ? `: ${outcomeOf(action, applied)}` : '';
  const summary = `<details><summary><code>${html(SYMBOL[action.type])}</code> ${action.type} <code>${html(label)}</code>${outcome}</summary>`;
  return [summary, fieldTable(action), '</details>'];
}

function fieldTable(action: PlannedAction): string {
  if (action.changes.length === 0) return 'No field changes.';
  const path = (c: FieldChange): string => code(c.path, true);
  if (action.type === 'create') return table(['Field', 'Value'], action.changes.map((c) => [path(c), value(c, c.after)]));
  if (action.type === 'delete') return table(['Field', 'Value'], action.changes.map((c) => [path(c), value(c, c.before)]));
  const before = (c: FieldChange): string => (c.unrecorded ? '*(not recorded before this version)*' : value(c, c.before));
  const after = (c: FieldChange): string => (c.unrecorded ? '*(changed)*' : value(c, c.after));
  // The column only where some field forces a replacement: other tables stay as they were.
  if (!action.changes.some((c) => c.forcesReplacement)) return table(['Field', 'Before', 'After'], action.changes.map((c) => [path(c), before(c), after(c)]));
  return table(['Field', 'Before', 'After', 'Forces replacement'], action.changes.map((c) => [path(c), before(c), after(c), c.forcesReplacement ? 'yes' : '']));
}

function value(change: FieldChange, v: unknown): string {
  if (v === undefined) return '*(unset)*';
  if (change.sensitive) return '*(sensitive)*';
  return code(JSON.stringify(v) ?? String(v), true);
}

function unmanagedSection(plan: Plan): string[] {
  const { unmanaged } = plan;
  if (unmanaged.length === 0) return [];
  const rows = unmanaged.slice(0, UNMANAGED_ROWS).map((u) => [code(u.project, true), code(u.kind, true), code(u.name, true), u.externalId === undefined ? '' : code(u.externalId, true)]);
  const more = unmanaged.length > UNMANAGED_ROWS ? [`and ${unmanaged.length - UNMANAGED_ROWS} more.`] : [];
  return [`<details><summary>Not managed by agoractl (left alone): ${unmanaged.length}</summary>`, table(['Project', 'Kind', 'Name', 'Id'], rows), ...more, '</details>'];
}

function identity(action: PlannedAction): string[] {
  return [code(action.project, true), code(action.kind, true), code(action.name, true)];
}

/** Cells are already escaped for a table: no raw `|` and no line break. */
function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `|${cells.map((cell) => (cell === '' ? ' ' : ` ${cell} `)).join('|')}|`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Entries of the result in the plan's order, not in the order the calls happened to finish. */
function inPlanOrder<T>(plan: Plan, entries: readonly T[], actionOf: (entry: T) => PlannedAction): T[] {
  const index = new Map(plan.actions.map((a, i) => [a.key, i]));
  return [...entries].sort((a, b) => (index.get(actionOf(a).key) ?? 0) - (index.get(actionOf(b).key) ?? 0) || compare(actionOf(a).key, actionOf(b).key));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bold(text: string): string {
  return `**${text}**`;
}
