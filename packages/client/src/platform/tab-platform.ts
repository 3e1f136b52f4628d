/**
 * What tabs of one origin share a connection with: Web Locks (one leader per group, released by the browser when a
 * tab closes, crashes or navigates) and BroadcastChannel (messages between the tabs). Tests inject fakes.
 */

/** The part of a BroadcastChannel the tab relay uses. */
export interface TabChannel {
  /** Sends a structured clone of `message` to every other channel of this name in the origin. */
  postMessage(message: unknown): void;
  /** Stops sending and receiving. */
  close(): void;
  /** Receives what other channels of this name sent. */
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** A held lock: `release()` gives it up (idempotent). */
export interface HeldLock {
  /** Gives the lock up; the next request waiting for it is granted. */
  release(): void;
}

/** The part of Web Locks the tab relay uses, as promises of held locks. */
export interface TabLocks {
  /** Resolves with the lock once held, or with undefined when `ifAvailable` and another holds it, or when `signal` aborts first. */
  acquire(name: string, options?: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<HeldLock | undefined>;
}

/** Option `tabPlatform`: where locks and channels come from. */
export interface TabPlatform {
  /** The Web Locks of this origin. */
  locks(): TabLocks;
  /** A new BroadcastChannel named `name`. */
  channel(name: string): TabChannel;
  /**
   * The page is hidden for good or into the back-forward cache (`'hide'`), or back from that cache (`'show'`);
   * returns a function that stops listening. Optional: without it a tab leaves its group only when it closes.
   */
  pageLifecycle?(listener: (event: 'hide' | 'show') => void): () => void;
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

/** The browser's Web Locks and BroadcastChannel (where platform/tab-support.ts found both). */
export function browserTabPlatform(): TabPlatform {
  const scope = globalThis as unknown as { navigator: { locks: LockManagerLike }; BroadcastChannel: new (name: string) => TabChannel };
  const manager = scope.navigator.locks;
  const Channel = scope.BroadcastChannel;
  const win = (globalThis as { addEventListener?: unknown }).addEventListener ? (globalThis as unknown as Window) : undefined;
  return {
    locks: () => webLocks(manager),
    channel: (name) => new Channel(name),
    pageLifecycle(listener) {
      if (!win) return () => {};
      const onHide = (): void => listener('hide');
      const onShow = (event: PageTransitionEvent): void => {
        if (event.persisted) listener('show');
      };
      win.addEventListener('pagehide', onHide);
      win.addEventListener('pageshow', onShow);
      return () => {
        win.removeEventListener('pagehide', onHide);
        win.removeEventListener('pageshow', onShow);
      };
    },
  };
}
