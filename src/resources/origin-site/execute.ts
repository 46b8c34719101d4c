// Carrying out a planned origin site action: PATCH only the fields that differ (the plan holds
// them), then record what was applied. A PATCH sets values, so repeating one after a lost
// answer is harmless and the client retries it itself.
import type { ExecuteContext, PlannedAction } from '../kind.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import type { OriginSitePatch } from '../../agora/client.ts';
import type { ResourceState } from '../../state/types.ts';
import { deletionPolicy, originSiteData, type OriginSiteData } from './model.ts';

export async function executeOriginSite(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  switch (action.type) {
    case 'create': {
      // FLS creates entry points (POST entry_points?id=, agora-facts.md "FLS"); the intent is
      // recorded first, and repeating the create is harmless (an existing name answers 409).
      const now = ctx.clock.now();
      await ctx.state.put({ key: action.key, project: action.project, kind: action.kind, name: action.name, data: {}, pending: { action: 'create', startedAt: now }, updatedAt: now });
      await ctx.client.originSite.createEntryPoint(action.name);
      return applySettings(action, ctx);
    }
    case 'update':
    case 'adopt':
      return applySettings(action, ctx);
    case 'delete':
      // deletionPolicy Disable: turn pull-from-origin off, then stop managing the entry point.
      await patch(action, ctx);
      return ctx.state.remove(action.key);
    case 'forget':
      return ctx.state.remove(action.key);
    case 'replace':
    case 'conflict':
      throw new ActionError(action.reason, ACTION_ERROR.conflict);
  }
}

async function applySettings(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const before = ctx.state.get(action.key);
  const previous = originSiteData(before?.data);
  const body = planned(action);
  if (Object.keys(body).length > 0) await patch(action, ctx);
  const data: OriginSiteData = {
    deletionPolicy: deletionPolicy(action.detail.deletionPolicy),
    applied: { ...previous?.applied, ...body },
  };
  const state: ResourceState = {
    key: action.key,
    project: action.project,
    kind: action.kind,
    name: action.name,
    externalId: action.name,
    specHash: typeof action.detail.specHash === 'string' ? action.detail.specHash : undefined,
    data: { ...data },
    updatedAt: ctx.clock.now(),
  };
  await ctx.state.put(state);
}

async function patch(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const existing = ctx.state.get(action.key);
  const now = ctx.clock.now();
  if (existing) await ctx.state.put({ ...existing, pending: { action: 'patch', startedAt: now }, updatedAt: now });
  await ctx.client.originSite.patch(action.name, planned(action));
}

function planned(action: PlannedAction): OriginSitePatch {
  const body = action.detail.patch;
  return body && typeof body === 'object' ? (body as OriginSitePatch) : {};
}
