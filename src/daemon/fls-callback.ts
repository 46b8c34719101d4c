// FLS dynamic pull: when an entry point's origin site has a callbackUrl, Agora asks that URL
// where to pull a stream from and expects `{"url": "rtmp://..."}` (fls-pull-from-origin.txt,
// "Pull-from-origin callback requirements"). The daemon answers from the `routes` of OriginSite
// manifests.
//
// The document's sample request is `GET https://example.origin-site.com/entry_point={ep}&stream_name={s}`:
// the parameters appear as a path segment rather than a query string. Which form Agora really
// sends is not settled, so both are accepted: `?entry_point=..&stream_name=..` on any path, and a
// last path segment of the form `entry_point=..&stream_name=..`.

/** One route of an OriginSite (its entry point is the OriginSite's metadata.name). */
export interface OriginSiteRoute {
  /** The project (manifest name) whose OriginSite declares the route. */
  project?: string;
  entryPoint: string;
  /** A stream name, or a glob in which `*` matches any run of characters (also none). */
  stream: string;
  /**
   * The origin URL to pull from. `{stream}` and `{entry_point}` in it are replaced with the
   * requested stream name and entry point, URL-encoded, so one glob route can serve many streams:
   * `{ stream: "class*", url: "rtmp://origin.example.com/live/{stream}" }`.
   */
  url: string;
}

export interface FlsCallbackRequest {
  entryPoint: string;
  streamName: string;
}

/**
 * The origin URL for a stream, or undefined when no route matches. Among the routes of the
 * entry point (and of `project`, when given), an exact stream name wins over any glob, and among
 * globs the first declared wins.
 */
export function resolveOriginUrl(
  routes: readonly OriginSiteRoute[],
  request: FlsCallbackRequest,
  project?: string,
): string | undefined {
  const candidates = routes.filter(
    (route) => route.entryPoint === request.entryPoint && (project === undefined || route.project === project),
  );
  const exact = candidates.find((route) => !route.stream.includes('*') && route.stream === request.streamName);
  const chosen = exact ?? candidates.find((route) => route.stream.includes('*') && globMatches(route.stream, request.streamName));
  return chosen ? substitute(chosen.url, request) : undefined;
}

/** `*` matches any run of characters; every other character matches itself. */
export function globMatches(glob: string, name: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(name);
}

function substitute(url: string, request: FlsCallbackRequest): string {
  return url
    .replaceAll('{stream}', encodeURIComponent(request.streamName))
    .replaceAll('{entry_point}', encodeURIComponent(request.entryPoint));
}

/** Where the daemon serves the callback; `/{project}` may follow to pick one project's routes. */
export const FLS_CALLBACK_PATH = '/fls/origin';

export interface ParsedFlsCallback extends FlsCallbackRequest {
  /** The project named by the path (`/fls/origin/{project}`), if any. */
  project?: string;
}

/**
 * Reads entry point, stream name and the optional project from a callback request's URL, in
 * either form described above, under `/` or FLS_CALLBACK_PATH. Undefined when entry point or
 * stream name is missing or empty.
 */
export function parseFlsCallbackUrl(requestUrl: string): ParsedFlsCallback | undefined {
  // Prefixing the origin keeps a path such as `//x` from being read as a host name.
  const url = new URL(`http://callback.invalid${requestUrl.startsWith('/') ? '' : '/'}${requestUrl}`);
  let rest = url.pathname;
  if (rest === FLS_CALLBACK_PATH || rest.startsWith(`${FLS_CALLBACK_PATH}/`)) rest = rest.slice(FLS_CALLBACK_PATH.length);
  // The path form: `.../entry_point=..&stream_name=..`; a stream name may itself hold slashes.
  const pathForm = /(?:^|\/)(entry_point=.*)$/.exec(rest);
  const projectPart = (pathForm ? rest.slice(0, pathForm.index) : rest).replace(/^\/+|\/+$/g, '');
  // The path segment is still percent-encoded: URLSearchParams decodes it like a query string.
  const request = pick(url.searchParams) ?? (pathForm?.[1] ? pick(new URLSearchParams(pathForm[1])) : undefined);
  if (!request) return undefined;
  if (projectPart.length === 0) return request;
  return { ...request, project: decodePathPart(projectPart) };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function pick(params: URLSearchParams): FlsCallbackRequest | undefined {
  const entryPoint = params.get('entry_point');
  const streamName = params.get('stream_name');
  if (!entryPoint || !streamName) return undefined;
  return { entryPoint, streamName };
}
