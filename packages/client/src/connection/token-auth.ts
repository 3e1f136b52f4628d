import type { NormalizedOptions } from '../core/options';
import { withQueryParam } from '../core/url';

/**
 * A token ready to be sent, and when it stops being valid (ms since epoch) if the provider said so. A JWT's own
 * `exp` is read only when the refresh is planned (token-refresh.ts, a chunk of its own).
 */
export interface ResolvedToken {
  token: string;
  expiresAt: number | undefined;
}

/** What a connection attempt sends: the URL to open and the CONNECT credentials. */
export interface Credentials {
  url: string;
  username: string | undefined;
  password: string | Uint8Array | undefined;
}

/** Puts the token where the broker expects it. */
export function applyToken(
  opts: Pick<NormalizedOptions, 'auth' | 'username' | 'password'>,
  url: string,
  token: string | undefined,
): Credentials {
  const auth = opts.auth;
  let creds: Credentials;
  if (!auth || token === undefined) creds = { url, username: opts.username, password: opts.password };
  else if (auth.placement === 'username') creds = { url, username: token, password: opts.password };
  else if (auth.placement === 'query') creds = { url: withQueryParam(url, auth.queryParam, token), username: auth.username ?? opts.username, password: opts.password };
  else creds = { url, username: auth.username ?? opts.username, password: token };
  // MQTT 3.1.1 forbids a password without a username: send an empty one when none is configured.
  if (creds.password !== undefined && creds.username === undefined) creds.username = '';
  return creds;
}
