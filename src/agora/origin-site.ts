// FLS pull-from-origin settings of one entry point: GET and PATCH
// /v1/projects/{appid}/fls/entry_points/{entry_point}/settings/origin_site
// (fls-pull-from-origin.txt). FLS takes HMAC request signing instead of Basic auth; call.ts
// signs every FLS request with signing.ts.
import type { CallContext, CallSpec, SendHooks } from './call.ts';
import { answerError, callIdempotent, isSuccess, pathSegment } from './call.ts';
import { AGORA_CLIENT_REASONS } from './errors.ts';
import { ShapeError, bool, object, optional, str } from './shape.ts';

export interface OriginSiteSettings {
  enabled?: boolean;
  /** Direct pull: the origin server's domain. Never together with callbackUrl. */
  domain?: string;
  /** The origin's application name; only with domain. */
  app?: string;
  /** Dynamic pull: where Agora asks for the origin URL. Never together with domain. */
  callbackUrl?: string;
}

/** A PATCH sets the fields it names; null clears one (to switch between direct and dynamic pull). */
export type OriginSitePatch = { [K in keyof OriginSiteSettings]?: OriginSiteSettings[K] | null };

export interface OriginSiteApi {
  get(entryPoint: string): Promise<OriginSiteSettings>;
  patch(entryPoint: string, body: OriginSitePatch, hooks?: SendHooks): Promise<void>;
  /** Creates an entry point (POST entry_points?id=, agora-facts.md "FLS"); one that exists already is fine. */
  createEntryPoint(entryPoint: string, hooks?: SendHooks): Promise<void>;
}

const settingsAnswer = object({ enabled: optional(bool), domain: optional(str), app: optional(str), callbackUrl: optional(str) });

export function originSiteApi(ctx: CallContext): OriginSiteApi {
  const path = (entryPoint: string) =>
    `/v1/projects/${encodeURIComponent(ctx.appId)}/fls/entry_points/${pathSegment(entryPoint)}/settings/origin_site`;
  const endpoint = '/v1/projects/{appId}/fls/entry_points/{entryPoint}/settings/origin_site';

  return {
    async get(entryPoint) {
      const spec = { family: 'fls', safety: 'idempotent', limitKey: 'fls', method: 'GET', endpoint: `GET ${endpoint}`, path: path(entryPoint) } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (!isSuccess(answer)) throw answerError(spec, answer);
      try {
        // An entry point that was never configured may answer with an empty body.
        return answer.body === undefined ? {} : settingsAnswer(answer.body, '');
      } catch (err) {
        if (err instanceof ShapeError) throw answerError(spec, answer, AGORA_CLIENT_REASONS.invalidResponse);
        throw err;
      }
    },

    async patch(entryPoint, body, hooks) {
      const spec = {
        family: 'fls',
        // Setting fields to values is the same however often it is done.
        safety: 'idempotent',
        limitKey: 'fls',
        method: 'PATCH',
        endpoint: `PATCH ${endpoint}`,
        path: path(entryPoint),
        body,
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (!isSuccess(answer)) throw answerError(spec, answer);
    },

    async createEntryPoint(entryPoint, hooks) {
      const spec = {
        family: 'fls',
        // Creating a name that exists answers 409, which is the outcome wanted: safe to repeat.
        safety: 'idempotent',
        limitKey: 'fls',
        method: 'POST',
        endpoint: 'POST /v1/projects/{appId}/fls/entry_points',
        path: `/v1/projects/${encodeURIComponent(ctx.appId)}/fls/entry_points`,
        query: { id: entryPoint },
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (!isSuccess(answer) && answer.status !== 409) throw answerError(spec, answer);
    },
  };
}
