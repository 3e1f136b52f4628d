/** Whether this runtime has Web Locks and BroadcastChannel, so tabs can share a connection (read at the call, never at import). */
export function browserCanShare(): boolean {
  const scope = globalThis as { navigator?: { locks?: { request?: unknown } }; BroadcastChannel?: unknown };
  return typeof scope.navigator?.locks?.request === 'function' && typeof scope.BroadcastChannel === 'function';
}
