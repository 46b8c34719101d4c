// The HTTP layer's own refusals, built in one place. Their texts and statuses are the ones the
// emulator answered with while it ran on Fastify, so clients (and their tests) see no change:
// body refusals go through the emulator's error handler as `{"message": ...}`; a URL the router
// cannot read is answered before any hook runs, in Fastify's own error shape.

/** An error that carries the HTTP status it should be answered with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export const HTTP_ERRORS = {
  bodyTooLarge: () => new HttpError(413, 'Request body is too large', 'FST_ERR_CTP_BODY_TOO_LARGE'),
  unsupportedMediaType: () => new HttpError(415, 'Unsupported Media Type', 'FST_ERR_CTP_INVALID_MEDIA_TYPE'),
  contentLengthMismatch: () => new HttpError(400, 'Request body size did not match Content-Length', 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'),
  emptyJsonBody: () => new HttpError(400, "Body cannot be empty when content-type is set to 'application/json'", 'FST_ERR_CTP_EMPTY_JSON_BODY'),
  invalidJsonBody: () => new HttpError(400, "Body is not valid JSON but content-type is set to 'application/json'", 'FST_ERR_CTP_INVALID_JSON_BODY'),
} as const;

/** The whole answer to a URL that is not valid percent-encoding (400) or has an overlong path parameter (414). */
export function routerRefusal(kind: 'badUrl' | 'maxParamLength', path: string): { status: number; body: string } {
  const status = kind === 'badUrl' ? 400 : 414;
  const body = JSON.stringify({
    error: 'Bad Request',
    code: kind === 'badUrl' ? 'FST_ERR_BAD_URL' : 'FST_ERR_MAX_PARAM_LENGTH',
    message: kind === 'badUrl' ? `'${path}' is not a valid url component` : `'${path}' is exceeding the max param length`,
    statusCode: status,
  });
  return { status, body };
}
