/**
 * What tabs of one origin share a connection with: Web Locks (one leader per group, released by the browser when a
 * tab closes, crashes or navigates) and BroadcastChannel (messages between the tabs). Tests inject fakes.
 */

/** The part of a BroadcastChannel the tab relay uses. */
export interface TabChannel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** A held lock: `release()` gives it up (idempotent). */
export interface HeldLock {
  release(): void;
}

/** The part of Web Locks the tab relay uses, as promises of held locks. */
export interface TabLocks {
  /** Resolves with the lock once held, or with undefined when `ifAvailable` and another holds it, or when `signal` aborts first. */
  acquire(name: string, options?: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<HeldLock | undefined>;
}

/** Option `tabPlatform`: where locks and channels come from. */
export interface TabPlatform {
  locks(): TabLocks;
  channel(name: string): TabChannel;
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown>;
}

/** Web Locks as held-lock promises: the browser's callback holds its lock until `release()`. */
function webLocks(manager: LockManagerLike): TabLocks {
  return {
    acquire(name, options = {}) {
      return new Promise<HeldLock | undefined>((resolve) => {
        const request: { ifAvailable?: boolean; signal?: AbortSignal } = {};
        if (options.ifAvailable) request.ifAvailable = true;
        if (options.signal) request.signal = options.signal;
        manager
          .request(name, request, (lock) => {
            if (!lock) {
              resolve(undefined);
              return Promise.resolve();
            }
            return new Promise<void>((release) => {
              let held = true;
              resolve({
                release: () => {
                  if (!held) return;
                  held = false;
                  release();
                },
              });
            });
          })
          // An aborted wait rejects with an AbortError: that is "not held".
          .catch(() => resolve(undefined));
      });
    },
  };
}

/** The browser's Web Locks and BroadcastChannel, or null where either is missing (Node, old browsers). */
export function defaultTabPlatform(): TabPlatform | null {
  const scope = globalThis as { navigator?: { locks?: LockManagerLike }; BroadcastChannel?: new (name: string) => TabChannel };
  const manager = scope.navigator?.locks;
  const Channel = scope.BroadcastChannel;
  if (!manager || typeof manager.request !== 'function' || typeof Channel !== 'function') return null;
  return {
    locks: () => webLocks(manager),
    channel: (name) => new Channel(name),
  };
}
