/**
 * What only a client with `auth` runs: asking the token provider (token-provider.ts) and renewing the token before it
 * expires (token-refresh.ts, with the JWT `exp` reader). A chunk of its own: connection.ts starts loading it when
 * such a client is created, so an app without `auth` never downloads it and one with `auth` has it by `connect()`.
 */
export { resolveToken } from './token-provider';
export { TokenRefresh } from './token-refresh';
