/** Fetches the token refresh chunk (token-refresh.ts). A module of its own so tests can fail the load. */
export const loadTokenRefresh = (): Promise<typeof import('./token-refresh')> => import('./token-refresh');
