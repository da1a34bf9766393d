import { DatabaseUrlError } from './url-error.js';

/** Seconds a new connection may take to be accepted, unless the URL's `connect_timeout` says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/**
 * Milliseconds a statement may go unanswered, unless the URL's `query_timeout` says otherwise: two
 * minutes, Dataverse's own limit on a whole message operation ("A Dataverse message operation must
 * complete within 2 minutes", learn.microsoft.com/power-apps/developer/data-platform/analyze-performance),
 * so no request Dataverse would have answered is cut short by it, while a connection that stopped
 * answering (a network partition mid-statement) is given up on in minutes, not the hours the OS
 * takes to notice.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 120_000;

/** The timeouts a PostgreSQL or SQL Server URL sets, in milliseconds; 0 is no limit. */
export interface UrlTimeouts {
  /** How long opening a connection may take (`connect_timeout`, seconds in the URL, libpq's parameter). */
  readonly connectMs: number;
  /** How long one statement may go unanswered before it is given up on (`query_timeout`, milliseconds in the URL, node-postgres's parameter). */
  readonly queryMs: number;
}

/** A whole-number URL parameter `name` of `params`, or `fallback` when it is absent; throws DatabaseUrlError naming it and its `unit` otherwise. */
function wholeNumber(params: URLSearchParams, name: string, unit: string, fallback: number): number {
  const value = params.get(name) ?? String(fallback);
  if (!/^\d+$/.test(value)) throw new DatabaseUrlError(`the database URL's ${name} must be a whole number of ${unit} (0: no limit), not '${value}'`);
  return Number(value);
}

/**
 * The `connect_timeout` (seconds, default DEFAULT_CONNECT_TIMEOUT_S) and `query_timeout`
 * (milliseconds, default DEFAULT_QUERY_TIMEOUT_MS) of a database URL's `params`; 0 is no limit.
 * Throws DatabaseUrlError for a value that is not a whole number.
 */
export function urlTimeouts(params: URLSearchParams): UrlTimeouts {
  return {
    connectMs: wholeNumber(params, 'connect_timeout', 'seconds', DEFAULT_CONNECT_TIMEOUT_S) * 1000,
    queryMs: wholeNumber(params, 'query_timeout', 'milliseconds', DEFAULT_QUERY_TIMEOUT_MS),
  };
}
