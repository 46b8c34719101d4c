// The `message` texts Agora answers with, built in one place (media-pull-rest-api.txt "Status
// codes", media-pull-best-practices.txt "Troubleshooting by error code").

export const AGORA_MESSAGES = {
  unauthorized: 'Invalid authentication credentials.',
  rateLimited: 'Request rate limit exceeded.',
  quotaExceeded: 'Resource quota exceeded.',
  notFound: 'Resource is not found and destroyed.',
  conflict: 'Resource with the same name already exists.',
  internal: 'Some internal error happened. Contact us to help fix it.',
  badGateway: 'Internal errors. Contact us for troubleshooting.',
  unavailable: 'Service unavailable temporarily. Retry with the retreat strategy.',
  gatewayTimeout: 'Gateway timeout. Query to check whether the player has been created, or to create another one instead.',
  noRoute: 'The requested resource does not exist.',
  badBody: 'The request body is invalid.',
} as const;

/** The message Agora pairs with an HTTP status when nothing more specific applies. */
export function messageForStatus(status: number): string {
  switch (status) {
    case 401:
      return AGORA_MESSAGES.unauthorized;
    case 404:
      return AGORA_MESSAGES.notFound;
    case 409:
      return AGORA_MESSAGES.conflict;
    case 429:
      return AGORA_MESSAGES.rateLimited;
    case 502:
      return AGORA_MESSAGES.badGateway;
    case 503:
      return AGORA_MESSAGES.unavailable;
    case 504:
      return AGORA_MESSAGES.gatewayTimeout;
    default:
      return status >= 500 ? AGORA_MESSAGES.internal : AGORA_MESSAGES.badBody;
  }
}
