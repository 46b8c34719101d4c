// A PostgreSQL state location: `postgres://user:password@host:5432/db?schema=name`. The schema
// (default "agoractl") holds one state, so one database can keep several (staging, prod) apart.
// The password never leaves this module in anything printed: `display` masks it.
import type { Pool, PoolClient } from 'pg';

export const DEFAULT_STATE_SCHEMA = 'agoractl';

export interface PostgresLocation {
  /** What pg connects with: the URL without agoractl's own `schema` parameter. */
  connectionString: string;
  /** The schema holding the state's tables, as written (quoted in SQL by quoteIdentifier). */
  schema: string;
  /** The URL with its password masked, for messages and logs. */
  display: string;
}

export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** Parses a `postgres://` or `postgresql://` URL; throws a message that never holds the password. */
export function parsePostgresLocation(location: string): PostgresLocation {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new Error(`the state location ${redactPostgresUrl(location)} is not a valid postgres:// URL`);
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_STATE_SCHEMA;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`the schema ${JSON.stringify(schema)} of ${redactPostgresUrl(location)} must be 1 to 63 of [A-Za-z0-9_], not starting with a digit`);
  }
  const display = redactPostgresUrl(location);
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema, display };
}

/**
 * The URL with any password replaced by "***". Works on text that does not parse as a URL too,
 * since it is also what an error about a malformed URL shows.
 */
export function redactPostgresUrl(location: string): string {
  // The password runs to the last "@" of the authority, as pg's URL parser reads it: an "@" in
  // it need not be escaped. In text that does not parse, where the authority ends is unknown (the
  // password may hold a "/", "?" or "#"), so everything up to the last "@" is masked.
  const userinfo = URL.canParse(location) ? /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^/?#]*@/i : /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):.*@/is;
  const masked = location.replace(userinfo, '$1:***@');
  // A password may also be given as a query parameter (libpq's `password=`).
  return masked.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * The error's message with the location's password masked wherever a driver message might
 * repeat it: given in the userinfo or (as pg also reads it) the `password` query parameter, as
 * written and percent-decoded. A "%" that escapes nothing is how pg reads it too.
 */
export function withoutPassword(target: PostgresLocation, error: unknown): Error {
  const url = new URL(target.connectionString);
  const passwords = new Set<string>();
  for (const written of [url.password, url.searchParams.get('password') ?? '']) {
    if (written === '') continue;
    passwords.add(written);
    try {
      passwords.add(decodeURIComponent(written));
    } catch {
      // Not an escape sequence: the password is what was written.
    }
  }
  let message = error instanceof Error ? error.message : String(error);
  for (const password of [...passwords].sort((a, b) => b.length - a.length)) message = message.split(password).join('***');
  return new Error(message);
}

/** A schema name as a SQL identifier; parsePostgresLocation allows only safe names, quoted anyway. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Runs `body` on a connection of `pool`; an error that connecting or `body` throws goes through
 * `failure` (which may pass it on unchanged). A checked-out connection the server ends between two
 * statements (a process paused past idle_in_transaction_session_timeout) emits 'error' with no
 * query to take it: without a listener that is an uncaught exception. The next statement fails
 * instead, and the broken connection is dropped, not returned to the pool.
 */
export async function withPooledClient<T>(pool: Pool, body: (client: PoolClient) => Promise<T>, failure: (error: unknown) => Error): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw failure(error);
  }
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await body(client);
  } catch (error) {
    throw failure(error);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
