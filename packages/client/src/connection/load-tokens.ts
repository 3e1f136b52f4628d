/** Fetches the token chunk (tokens.ts): what only a client with `auth` runs. A module of its own so tests can fail the load. */
export const loadTokens = (): Promise<typeof import('./tokens')> => import('./tokens');
