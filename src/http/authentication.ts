import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Errors, type ServiceError } from '../errors.js';
import { canonicalGuid } from '../plan/values.js';
import type { Identity } from '../security/identity.js';

/**
 * Where bearer tokens come from and whom they are for, as an OpenID Connect issuer states it:
 * Microsoft Entra ID's `https://login.microsoftonline.com/<tenant>/v2.0` (or `https://sts.windows.net/<tenant>/`
 * for v1 tokens), and the audience Dataverse checks, the environment URL (`https://org.crm.dynamics.com`).
 */
export interface AuthenticationOptions {
  /** The `iss` every token must carry, exactly. */
  readonly issuer: string;
  /** The `aud` values a token may carry (one must match). */
  readonly audience: readonly string[];
  /**
   * The issuer's signing keys: a JWKS URL (fetched and cached by jose, fetched again for an
   * unknown `kid`) or a JSON Web Key Set file. Default: the `jwks_uri` of the issuer's
   * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4).
   */
  readonly jwks?: string;
}

/** Checks a request's `Authorization` header and says who it is from. */
export interface Authenticator {
  /**
   * The identity of a valid `Authorization: Bearer <JWT>`. Throws ServiceError 401 (to be sent
   * with `challenge` as `WWW-Authenticate`) when the header is missing or not a bearer token, or
   * the token's signature, issuer, audience, lifetime or `oid` claim is not valid; 503 when the
   * issuer's keys cannot be fetched.
   */
  authenticate(authorization: string | undefined): Promise<Identity>;
  /**
   * The `WWW-Authenticate` value of a 401, in Dataverse's form: `Bearer authorization_uri=<the
   * issuer's authorization endpoint>, resource_id=<the first audience>`, which tells a client
   * where to get a token and for what.
   */
  readonly challenge: string;
}

/** Leeway for `exp`/`nbf` against clock skew between the issuer and this server, in seconds. */
const CLOCK_TOLERANCE_S = 60;

interface Discovery {
  readonly jwks_uri?: unknown;
  readonly authorization_endpoint?: unknown;
}

/** How long start-up waits for the issuer's OpenID configuration, in milliseconds. */
const DISCOVERY_TIMEOUT_MS = 10_000;

async function discover(issuer: string): Promise<Discovery> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const fail = (why: string) => new Error(`cannot read the OpenID configuration at ${url}: ${why}`);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (!response.ok) throw fail(`HTTP ${response.status}`);
  try {
    const document = await response.json() as unknown;
    if (typeof document !== 'object' || document === null) throw new Error('it is not a JSON object');
    return document as Discovery;
  } catch (err) {
    throw fail((err as Error).message);
  }
}

function keySet(jwks: string): JWTVerifyGetKey {
  if (/^https?:\/\//i.test(jwks)) return createRemoteJWKSet(new URL(jwks));
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(jwks, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the JSON Web Key Set file ${jwks}: ${(err as Error).message}`);
  }
  try {
    return createLocalJWKSet(parsed as Parameters<typeof createLocalJWKSet>[0]);
  } catch (err) {
    throw new Error(`the JSON Web Key Set file ${jwks} is not a key set: ${(err as Error).message}`);
  }
}

function claim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * The identity of a verified Entra ID access token: `oid`; for an application's own token
 * (client credentials: `idtyp: app`, or neither `scp` nor a user name) its client id, `appid`
 * (v1) or `azp` (v2), which Dataverse matches to an application user's applicationid; and the
 * profile claims a new user's row is made from. GUIDs are taken with or without braces, in any
 * case. Throws 401 `0x80044302` when `oid` is missing or not a GUID, or an application's token
 * has no client id that is a GUID.
 */
export function identityOf(payload: JWTPayload): Identity {
  const objectId = canonicalGuid(claim(payload, 'oid') ?? '');
  if (!objectId) throw Errors.notAuthenticated(claim(payload, 'oid') ? "the access token's oid claim is not a GUID." : 'the access token has no oid claim.');
  const userName = claim(payload, 'upn') ?? claim(payload, 'preferred_username') ?? claim(payload, 'unique_name');
  const isApplication = claim(payload, 'idtyp') === 'app' || (payload['scp'] === undefined && userName === undefined);
  let applicationId: string | undefined;
  if (isApplication) {
    applicationId = canonicalGuid(claim(payload, 'appid') ?? claim(payload, 'azp') ?? '');
    if (!applicationId) throw Errors.notAuthenticated("the application's access token has no client id (azp or appid) that is a GUID.");
  }
  const profile: Record<string, string | undefined> = {
    applicationId, userName, name: claim(payload, 'name'), givenName: claim(payload, 'given_name'), familyName: claim(payload, 'family_name'), email: claim(payload, 'email'),
  };
  return Object.assign({ objectId }, Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)));
}

/** jose's errors that say the token is at fault (not the key set): 401. */
const TOKEN_ERRORS = [
  joseErrors.JWSInvalid, joseErrors.JWTInvalid, joseErrors.JWSSignatureVerificationFailed, joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys, joseErrors.JOSEAlgNotAllowed, joseErrors.JOSENotSupported,
];

/**
 * The error for a token jose did not accept: 401 `0x8005F101` when it has expired, 401
 * `0x80044302` naming the failed check for another fault of the token, 503 when the key set could
 * not be fetched or read (a JWKS URL that fails, times out or answers no key set): the client
 * should send the request again, not get a new token.
 */
function refusal(err: unknown): ServiceError {
  if (err instanceof joseErrors.JWTExpired) return Errors.tokenExpired();
  if (err instanceof joseErrors.JWTClaimValidationFailed) return Errors.notAuthenticated(`the access token's ${err.claim} claim is missing or not valid here.`);
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return Errors.notAuthenticated("the access token is not signed by one of the issuer's keys.");
  }
  if (TOKEN_ERRORS.some((type) => err instanceof type)) return Errors.notAuthenticated('the access token is not a valid JWT.');
  return Errors.signingKeysUnavailable();
}

/**
 * An Authenticator for `options`: verifies a bearer JWT's signature with the issuer's keys (jose),
 * its `iss`, `aud` (each audience with or without a trailing slash), `exp` (required) and `nbf`
 * (60 s leeway), and takes its identity (identityOf). Reads the issuer's OpenID configuration
 * first (10 s at most) when `jwks` is not given. Throws an Error naming the URL or file when the
 * configuration or a key set file cannot be read.
 */
export async function createAuthenticator(options: AuthenticationOptions): Promise<Authenticator> {
  const discovery = options.jwks ? undefined : await discover(options.issuer);
  const jwks = options.jwks ?? (typeof discovery?.jwks_uri === 'string' ? discovery.jwks_uri : undefined);
  if (!jwks) throw new Error(`the OpenID configuration of ${options.issuer} names no jwks_uri`);
  const keys = keySet(jwks);
  const authorizeAt = typeof discovery?.authorization_endpoint === 'string' ? discovery.authorization_endpoint : options.issuer;
  // Entra ID issues the environment URL as the audience with or without its trailing slash.
  const audience = [...new Set(options.audience.flatMap((a) => [a, a.endsWith('/') ? a.slice(0, -1) : `${a}/`]))];
  return {
    challenge: `Bearer authorization_uri=${authorizeAt}, resource_id=${options.audience[0] ?? ''}`,
    async authenticate(authorization) {
      if (!authorization) throw Errors.notAuthenticated('send an access token in the Authorization header (Bearer <token>).');
      const token = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1];
      if (!token) throw Errors.notAuthenticated('the Authorization header must be Bearer <token>.');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp'] }));
      } catch (err) {
        throw refusal(err);
      }
      return identityOf(payload);
    },
  };
}
