// One line for a failure that stopped a command: what happened, and the vendor's ids when the
// failure came from Agora. Client and state errors carry no secrets by construction.

export function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { requestId?: unknown; resourceId?: unknown; detail?: unknown };
    const ids = [typeof e.requestId === 'string' ? `X-Request-ID ${e.requestId}` : '', typeof e.resourceId === 'string' ? `X-Resource-ID ${e.resourceId}` : '']
      .filter(Boolean)
      .join(', ');
    const detail = typeof e.detail === 'string' && e.detail ? `\n  ${e.detail}` : '';
    return `Error: ${e.message}${ids ? ` (${ids})` : ''}${detail}`;
  }
  return `Error: ${String(err)}`;
}
