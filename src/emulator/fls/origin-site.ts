// FLS entry points and their pull-from-origin settings (fls-pull-from-origin.txt; entry point
// list/create/delete from Agora's fusion-cdn OpenAPI document and agora-facts.md "FLS").
//
// How a PATCH combines with what is set, decided here because the documents only say that
// domain and callbackUrl "cannot be set at the same time" and that app "must be set together
// with the domain field":
// - A PATCH changes only the fields it names; null or "" clears a field.
// - One body naming both domain and callbackUrl (non-empty) is refused (400).
// - Setting domain switches to direct pull and clears callbackUrl; setting callbackUrl switches
//   to dynamic pull and clears domain and app. So the stored settings never hold both.
// - app is accepted only when the result has a domain (400 otherwise); clearing domain clears app.
// - Unknown fields and wrong types are refused (400).

export const DEFAULT_ENTRY_POINT = 'live';

export interface OriginSiteSettings {
  enabled: boolean;
  domain?: string;
  app?: string;
  callbackUrl?: string;
}

export const FLS_MESSAGES = {
  unauthorized: (reason: string) => `HMAC signature cannot be verified: ${reason}.`,
  entryPointNotFound: 'The entry point does not exist.',
  entryPointExists: 'The entry point already exists.',
  entryPointName: 'The id parameter must be an entry point name of 1 to 64 characters of A-Z, a-z, 0-9, _ and -.',
  defaultEntryPoint: 'The default entry point live cannot be deleted.',
  badBody: 'The request body must be a JSON object.',
  unknownField: (field: string) => `Unknown field ${JSON.stringify(field)}; the fields are enabled, domain, app and callbackUrl.`,
  badField: (field: string, what: string) => `The ${field} parameter must be ${what}.`,
  domainAndCallback: 'The domain and callbackUrl fields cannot be set at the same time.',
  appWithoutDomain: 'The app field must be set together with the domain field.',
} as const;

const ENTRY_POINT = /^[A-Za-z0-9_-]{1,64}$/;
// "The domain name of your origin server": a name without a port, as the schema's format hostname.
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const APP = /^[^\s/]{1,128}$/;
const FIELDS = ['enabled', 'domain', 'app', 'callbackUrl'] as const;

export function isEntryPointName(name: string): boolean {
  return ENTRY_POINT.test(name);
}

function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  return URL.canParse(value);
}

export type PatchResult = { ok: true; settings: OriginSiteSettings } | { ok: false; message: string };

/** The settings a PATCH body makes of the current ones, or why it is refused. */
export function applyPatch(current: OriginSiteSettings, body: unknown): PatchResult {
  const refuse = (message: string): PatchResult => ({ ok: false, message });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(FLS_MESSAGES.badBody);
  const patch = body as Record<string, unknown>;
  for (const key of Object.keys(patch)) {
    if (!(FIELDS as readonly string[]).includes(key)) return refuse(FLS_MESSAGES.unknownField(key));
  }
  // A string field of the body: undefined when absent, null when cleared.
  const text = (field: 'domain' | 'app' | 'callbackUrl', valid: (v: string) => boolean, what: string): string | null | undefined | Error => {
    const value = patch[field];
    if (value === undefined) return undefined;
    if (value === null || value === '') return null;
    if (typeof value !== 'string' || !valid(value)) return new Error(FLS_MESSAGES.badField(field, what));
    return value;
  };
  const domain = text('domain', (v) => HOSTNAME.test(v), 'a domain name such as origin.example.com');
  const app = text('app', (v) => APP.test(v), 'one path segment of at most 128 characters');
  const callbackUrl = text('callbackUrl', isHttpUrl, 'an http(s) URL');
  for (const value of [domain, app, callbackUrl]) if (value instanceof Error) return refuse(value.message);
  const enabled = patch.enabled;
  if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') return refuse(FLS_MESSAGES.badField('enabled', 'a boolean'));
  if (typeof domain === 'string' && typeof callbackUrl === 'string') return refuse(FLS_MESSAGES.domainAndCallback);

  const next: OriginSiteSettings = { ...current };
  if (enabled !== undefined) next.enabled = enabled === true;
  if (typeof domain === 'string') {
    next.domain = domain;
    delete next.callbackUrl;
  } else if (domain === null) {
    delete next.domain;
    delete next.app;
  }
  if (typeof callbackUrl === 'string') {
    next.callbackUrl = callbackUrl;
    delete next.domain;
    delete next.app;
  } else if (callbackUrl === null) {
    delete next.callbackUrl;
  }
  if (typeof app === 'string') {
    if (next.domain === undefined) return refuse(FLS_MESSAGES.appWithoutDomain);
    next.app = app;
  } else if (app === null) {
    delete next.app;
  }
  return { ok: true, settings: next };
}

/** The entry points of every App ID touched so far; each starts with `live`, disabled. */
export class EntryPoints {
  readonly #apps = new Map<string, Map<string, OriginSiteSettings>>();

  #of(appId: string): Map<string, OriginSiteSettings> {
    let entryPoints = this.#apps.get(appId);
    if (!entryPoints) {
      entryPoints = new Map([[DEFAULT_ENTRY_POINT, { enabled: false }]]);
      this.#apps.set(appId, entryPoints);
    }
    return entryPoints;
  }

  names(appId: string): string[] {
    return [...this.#of(appId).keys()];
  }

  settings(appId: string, entryPoint: string): OriginSiteSettings | undefined {
    const settings = this.#of(appId).get(entryPoint);
    return settings && { ...settings };
  }

  /** False when it exists already. */
  create(appId: string, entryPoint: string): boolean {
    const entryPoints = this.#of(appId);
    if (entryPoints.has(entryPoint)) return false;
    entryPoints.set(entryPoint, { enabled: false });
    return true;
  }

  /** False when there was no such entry point. */
  delete(appId: string, entryPoint: string): boolean {
    return this.#of(appId).delete(entryPoint);
  }

  set(appId: string, entryPoint: string, settings: OriginSiteSettings): void {
    this.#of(appId).set(entryPoint, { ...settings });
  }

  snapshot(): ({ appId: string; entryPoint: string } & OriginSiteSettings)[] {
    const out: ({ appId: string; entryPoint: string } & OriginSiteSettings)[] = [];
    for (const [appId, entryPoints] of this.#apps) {
      for (const [entryPoint, settings] of entryPoints) out.push({ appId, entryPoint, ...settings });
    }
    return out;
  }

  clear(): void {
    this.#apps.clear();
  }
}
