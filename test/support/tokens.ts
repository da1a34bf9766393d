import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * Bearer tokens for tests that sign users in (authentication.test.ts and the tests that need a
 * signed-in caller): tokens are signed here with a key whose public half the server reads from a
 * JWKS (a file or OpenID discovery).
 */

/** The issuer the test servers trust. */
export const ISSUER = 'https://login.example.test/tenant-1/v2.0';
/** The audience the test servers accept. */
export const AUDIENCE = 'https://org.example.test';

/** A signing key and the JWKS publishing its public half. */
export interface Keys {
  readonly privateKey: CryptoKey;
  readonly jwks: { keys: object[] };
}

/** A new RS256 key pair whose JWKS names it `kid`. */
export async function keys(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwks: { keys: [{ ...await exportJWK(publicKey), kid, alg: 'RS256', use: 'sig' }] } };
}

/**
 * A token signed with `key` for a user (scp user_impersonation) with `claims` over the defaults:
 * issuer ISSUER, audience AUDIENCE, expiring in an hour (`expires` null: no exp claim).
 */
export function token(key: Keys, claims: JWTPayload, options: { expires?: string | number | null; issuer?: string; audience?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ scp: 'user_impersonation', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: (key.jwks.keys[0] as { kid: string }).kid })
    .setIssuer(options.issuer ?? ISSUER).setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt();
  if (options.expires !== null) jwt.setExpirationTime(options.expires ?? '1h');
  return jwt.sign(key.privateKey);
}

/** The headers of a request carrying token `t` (and `more`). */
export const bearer = (t: string, more: Record<string, string> = {}) => ({ Authorization: `Bearer ${t}`, ...more });
