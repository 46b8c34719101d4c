// FLS dynamic pull: when an entry point's origin site has a callbackUrl, Agora asks that URL
// where to pull a stream from and expects `{"url": "rtmp://..."}` (fls-pull-from-origin.txt,
// "Pull-from-origin callback requirements"). The daemon answers from the `routes` of OriginSite
// manifests.
//
// The document's sample request is `GET https://example.origin-site.com/entry_point={ep}&stream_name={s}`:
// the parameters appear as a path segment rather than a query string. Which form Agora really
// sends is not settled, so both are accepted: `?entry_point=..&stream_name=..` on any path, and a
// last path segment of the form `entry_point=..&stream_name=..`.
//
// Anyone can send this request, so its cost is bounded before any route is looked at: the URL
// and both parameters have a maximum length (answered 400 beyond it), every step of parsing is
// linear, globs are matched in linear time (stream-glob.ts), and at most
// MAX_GLOB_ROUTES_PER_REQUEST globs are tried. A request then costs at most one pass over the
// routes comparing entry points, plus 32 × O(FLS_CALLBACK_LIMITS.streamName + 256) for the globs
// (256 being the schema's longest route stream): tens of microseconds (bench/fls-callback.ts).
import { compileGlob, type StreamGlob } from './stream-glob.ts';
import type { FlsRoute } from '../resources/kind.ts';

export type { FlsRoute };

export interface FlsCallbackRequest {
  entryPoint: string;
  streamName: string;
}

/**
 * At most this many glob routes of an entry point are tried for one request, in declaration
 * order. A glob costs up to a few microseconds against a name at the length limit, so this keeps a
 * request well under a millisecond whatever the manifests hold; real entry points have a handful
 * of routes. Routes past the bound never match, and the daemon logs it (`ignoredGlobRoutes`).
 */
export const MAX_GLOB_ROUTES_PER_REQUEST = 32;

/** The route chosen for a request, and how many glob routes the bound left untried. */
export interface RouteChoice {
  route: FlsRoute | undefined;
  ignoredGlobRoutes: number;
}

/**
 * The route for a stream. Among the routes of the entry point (and of `project`, when given), an
 * exact stream name wins over any glob, and among globs the first declared wins.
 */
export function chooseRoute(routes: readonly FlsRoute[], request: FlsCallbackRequest, project?: string): RouteChoice {
  let firstGlob: FlsRoute | undefined;
  let globsTried = 0;
  let ignoredGlobRoutes = 0;
  for (const route of routes) {
    if (route.entryPoint !== request.entryPoint || (project !== undefined && route.project !== project)) continue;
    if (!route.stream.includes('*')) {
      if (route.stream === request.streamName) return { route, ignoredGlobRoutes: 0 };
    } else if (firstGlob === undefined) {
      if (globsTried === MAX_GLOB_ROUTES_PER_REQUEST) {
        ignoredGlobRoutes++;
        continue;
      }
      globsTried++;
      if (compiled(route.stream).matches(request.streamName)) firstGlob = route;
    }
  }
  return { route: firstGlob, ignoredGlobRoutes };
}

/** The origin URL for a stream (see chooseRoute), or undefined when no route matches. */
export function resolveOriginUrl(
  routes: readonly FlsRoute[],
  request: FlsCallbackRequest,
  project?: string,
): string | undefined {
  const { route } = chooseRoute(routes, request, project);
  return route ? substitute(route.url, request) : undefined;
}

/**
 * Globs prepared once and reused by every request: preparing one costs about as much as matching
 * it. Routes come from manifests, so the distinct globs are few; the bound only keeps a stream of
 * manifest edits from growing the cache without end.
 */
const compiledGlobs = new Map<string, StreamGlob>();
const COMPILED_GLOBS_MAX = 1024;

function compiled(glob: string): StreamGlob {
  let entry = compiledGlobs.get(glob);
  if (!entry) {
    if (compiledGlobs.size >= COMPILED_GLOBS_MAX) compiledGlobs.clear();
    entry = compileGlob(glob);
    compiledGlobs.set(glob, entry);
  }
  return entry;
}

function substitute(url: string, request: FlsCallbackRequest): string {
  return url
    .replaceAll('{stream}', encodeURIComponent(request.streamName))
    .replaceAll('{entry_point}', encodeURIComponent(request.entryPoint));
}

/** Where the daemon serves the callback; `/{project}` may follow to pick one project's routes. */
export const FLS_CALLBACK_PATH = '/fls/origin';

/**
 * Longest accepted inputs, far above real use: an entry point is at most 64 characters
 * (originsite.schema.json), a route's stream at most 256, and stream names in playback URLs are
 * short words. The request target may hold both parameters percent-encoded (up to 9 characters
 * for one), so its bound is Node's default limit on a request head, which it can never exceed.
 */
export const FLS_CALLBACK_LIMITS = {
  requestUrl: 16 * 1024,
  entryPoint: 256,
  streamName: 1024,
} as const;

export type FlsCallbackRejection = 'missing-parameter' | 'request-too-long' | 'entry-point-too-long' | 'stream-name-too-long';

/** The answers' messages, built here only. */
export const FLS_CALLBACK_MESSAGE = {
  'missing-parameter': 'entry_point and stream_name are required',
  'request-too-long': `the request target is longer than ${FLS_CALLBACK_LIMITS.requestUrl} characters`,
  'entry-point-too-long': `entry_point is longer than ${FLS_CALLBACK_LIMITS.entryPoint} characters`,
  'stream-name-too-long': `stream_name is longer than ${FLS_CALLBACK_LIMITS.streamName} characters`,
  noRoute: (request: FlsCallbackRequest): string =>
    `no route for stream "${request.streamName}" of entry point "${request.entryPoint}"`,
} as const;

export interface ParsedFlsCallback extends FlsCallbackRequest {
  /** The project named by the path (`/fls/origin/{project}`), if any. */
  project?: string;
}

/** What the callback answers one request with, decided without I/O. */
export type FlsCallbackAnswer =
  | { result: 'routed'; status: 200; body: { url: string }; request: ParsedFlsCallback }
  | { result: 'no-route'; status: 404; body: { message: string }; request: ParsedFlsCallback; ignoredGlobRoutes: number }
  | { result: 'bad-request'; status: 400; body: { code: FlsCallbackRejection; message: string }; request?: undefined };

/** Answers one callback request (its target, as sent) from the routes. */
export function answerFlsCallback(requestUrl: string, routes: readonly FlsRoute[]): FlsCallbackAnswer {
  const rejected = (code: FlsCallbackRejection): FlsCallbackAnswer => ({
    result: 'bad-request',
    status: 400,
    body: { code, message: FLS_CALLBACK_MESSAGE[code] },
  });
  if (requestUrl.length > FLS_CALLBACK_LIMITS.requestUrl) return rejected('request-too-long');
  const request = parseFlsCallbackUrl(requestUrl);
  if (!request) return rejected('missing-parameter');
  if (request.entryPoint.length > FLS_CALLBACK_LIMITS.entryPoint) return rejected('entry-point-too-long');
  if (request.streamName.length > FLS_CALLBACK_LIMITS.streamName) return rejected('stream-name-too-long');
  const { route, ignoredGlobRoutes } = chooseRoute(routes, request, request.project);
  if (!route) return { result: 'no-route', status: 404, body: { message: FLS_CALLBACK_MESSAGE.noRoute(request) }, request, ignoredGlobRoutes };
  return { result: 'routed', status: 200, body: { url: substitute(route.url, request) }, request };
}

const PATH_FORM_START = 'entry_point=';

/**
 * Reads entry point, stream name and the optional project from a callback request's URL, in
 * either form described above, under `/` or FLS_CALLBACK_PATH. Undefined when entry point or
 * stream name is missing or empty. Linear in the URL's length: no regular expression here can
 * backtrack.
 */
export function parseFlsCallbackUrl(requestUrl: string): ParsedFlsCallback | undefined {
  // Prefixing the origin keeps a path such as `//x` from being read as a host name.
  const url = new URL(`http://callback.invalid${requestUrl.startsWith('/') ? '' : '/'}${requestUrl}`);
  let rest = url.pathname;
  if (rest === FLS_CALLBACK_PATH || rest.startsWith(`${FLS_CALLBACK_PATH}/`)) rest = rest.slice(FLS_CALLBACK_PATH.length);
  // The path form: `.../entry_point=..&stream_name=..`; a stream name may itself hold slashes.
  const pathFormAt = pathFormStart(rest);
  const projectPart = trimSlashes(pathFormAt < 0 ? rest : rest.slice(0, pathFormAt));
  // The path segment is still percent-encoded: URLSearchParams decodes it like a query string.
  const request = pick(url.searchParams) ?? (pathFormAt < 0 ? undefined : pick(new URLSearchParams(rest.slice(pathFormAt))));
  if (!request) return undefined;
  if (projectPart.length === 0) return request;
  return { ...request, project: decodePathPart(projectPart) };
}

/** Where `entry_point=` starts the path or follows a slash; -1 when nowhere. */
function pathFormStart(path: string): number {
  let at = path.indexOf(PATH_FORM_START);
  while (at > 0 && path[at - 1] !== '/') at = path.indexOf(PATH_FORM_START, at + 1);
  return at;
}

function trimSlashes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '/') start++;
  while (end > start && text[end - 1] === '/') end--;
  return text.slice(start, end);
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
