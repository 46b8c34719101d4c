// The FLS API: entry points and their origin_site settings under /v1/projects/{appid}/fls/
// (fls-pull-from-origin.txt; agora-facts.md "FLS"). FLS takes no Basic auth: every request is
// signed with HMAC-SHA256 over host, date, request line and body digest, checked here against
// real time (the virtual clock moves the emulated world only), then admitted by the `fls` rate
// limit. The core skips its Basic check for these paths.
import type { HttpApp } from '../http/app.ts';
import type { Reply } from '../http/reply.ts';
import { verifyFlsSignature } from '../../agora/signing.ts';
import type { EmulatorContext } from '../context.ts';
import { AGORA_MESSAGES } from '../messages.ts';
import { DEFAULT_ENTRY_POINT, FLS_MESSAGES, applyPatch, isEntryPointName } from './origin-site.ts';
import type { EntryPoints } from './origin-site.ts';

const ENTRY_POINTS = '/v1/projects/:appid/fls/entry_points';
const ENTRY_POINT = `${ENTRY_POINTS}/:entry_point`;
const ORIGIN_SITE = `${ENTRY_POINT}/settings/origin_site`;

interface Params {
  appid: string;
  entry_point: string;
}

function rawBodyOf(request: { body: unknown }): string {
  return typeof request.body === 'string' ? request.body : '';
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export function registerFlsRoutes(app: HttpApp, ctx: EmulatorContext, entryPoints: EntryPoints): void {
  const customers = (id: string) => (id === ctx.credentials.customerId ? ctx.credentials.customerSecret : undefined);
  const message = (reply: Reply, status: number, text: string) => reply.code(status).send({ message: text });

  // The digest covers the exact body bytes, so bodies stay raw strings until the handler.
  app.scope({ body: 'raw' }, (scope) => {
    scope.addHook('preHandler', async (request, reply) => {
      const verdict = verifyFlsSignature(request.headers, {
        method: request.method,
        host: request.headers.host ?? '',
        pathWithQuery: request.url,
        rawBody: rawBodyOf(request),
        customers,
        now: Date.now(),
      });
      if (!verdict.ok) return message(reply, 401, FLS_MESSAGES.unauthorized(verdict.reason));
      const { appid } = request.params as Partial<Params>;
      if (appid !== undefined && !ctx.limits.admit('fls', appid)) return message(reply, 429, AGORA_MESSAGES.rateLimited);
      return undefined;
    });

    scope.get<{ Params: Pick<Params, 'appid'> }>(ENTRY_POINTS, async (request) => ({
      entryPointList: entryPoints.names(request.params.appid).map((name) => ({ name })),
    }));

    scope.post<{ Params: Pick<Params, 'appid'>; Querystring: { id?: string } }>(ENTRY_POINTS, async (request, reply) => {
      const id = request.query.id;
      if (typeof id !== 'string' || !isEntryPointName(id)) return message(reply, 400, FLS_MESSAGES.entryPointName);
      if (!entryPoints.create(request.params.appid, id)) return message(reply, 409, FLS_MESSAGES.entryPointExists);
      return reply.code(201).send();
    });

    scope.delete<{ Params: Params }>(ENTRY_POINT, async (request, reply) => {
      const { appid, entry_point: entryPoint } = request.params;
      if (entryPoint === DEFAULT_ENTRY_POINT) return message(reply, 400, FLS_MESSAGES.defaultEntryPoint);
      if (!entryPoints.delete(appid, entryPoint)) return message(reply, 404, FLS_MESSAGES.entryPointNotFound);
      return reply.code(200).send();
    });

    scope.get<{ Params: Params }>(ORIGIN_SITE, async (request, reply) => {
      const settings = entryPoints.settings(request.params.appid, request.params.entry_point);
      if (!settings) return message(reply, 404, FLS_MESSAGES.entryPointNotFound);
      return settings;
    });

    scope.patch<{ Params: Params }>(ORIGIN_SITE, async (request, reply) => {
      const { appid, entry_point: entryPoint } = request.params;
      const current = entryPoints.settings(appid, entryPoint);
      if (!current) return message(reply, 404, FLS_MESSAGES.entryPointNotFound);
      const body = parseJson(rawBodyOf(request));
      if (!body.ok) return message(reply, 400, FLS_MESSAGES.badBody);
      const result = applyPatch(current, body.value);
      if (!result.ok) return message(reply, 400, result.message);
      entryPoints.set(appid, entryPoint, result.settings);
      return result.settings;
    });
  });
}
