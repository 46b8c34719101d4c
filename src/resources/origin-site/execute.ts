// Carrying out a planned origin site action: PATCH only the fields that differ (the plan holds
// them), then record what was applied. A PATCH sets values, so repeating one after a lost
// answer is harmless and the client retries it itself.
import type { ExecuteContext, Outcome, PlannedAction } from '../kind.ts';
import { ActionError, ACTION_ERROR } from '../action-error.ts';
import { isSettled, type OriginSiteDetail, type OriginSiteRecord, type OriginSiteSpec } from './model.ts';

type Context = ExecuteContext<OriginSiteSpec, OriginSiteRecord>;

export async function executeOriginSite(action: PlannedAction<OriginSiteDetail>, ctx: Context): Promise<Outcome<OriginSiteRecord>> {
  switch (action.type) {
    case 'create':
      // FLS creates entry points (POST entry_points?id=, agora-facts.md "FLS"); repeating the
      // create is harmless (an existing name answers 409).
      await ctx.send({ action: 'create', data: {} }, (hooks, client) => client.originSite.createEntryPoint(action.name, hooks));
      return applySettings(action, ctx);
    case 'update':
    case 'adopt':
      return applySettings(action, ctx);
    case 'delete':
      // deletionPolicy Disable: turn pull-from-origin off, then stop managing the entry point.
      await patch(action, ctx);
      return { type: 'removed' };
    case 'forget':
      return { type: 'removed' };
    case 'replace':
    case 'conflict':
      throw new ActionError(action.reason, ACTION_ERROR.conflict);
  }
}

async function applySettings(action: PlannedAction<OriginSiteDetail>, ctx: Context): Promise<Outcome<OriginSiteRecord>> {
  const previous = ctx.current()?.data;
  const body = action.detail.patch ?? {};
  if (Object.keys(body).length > 0) await patch(action, ctx);
  return {
    type: 'recorded',
    externalId: action.name,
    specHash: action.detail.specHash,
    data: { deletionPolicy: action.detail.deletionPolicy ?? 'Orphan', applied: { ...(isSettled(previous) ? previous.applied : {}), ...body } },
  };
}

async function patch(action: PlannedAction<OriginSiteDetail>, ctx: Context): Promise<void> {
  await ctx.send({ action: 'patch' }, (hooks, client) => client.originSite.patch(action.name, action.detail.patch ?? {}, hooks));
}
