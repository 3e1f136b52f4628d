/** What the browser tells us about reachability and page lifecycle. */
export type BrowserSignal = 'online' | 'offline' | 'visible' | 'hidden' | 'pageshow';

/** Injected so tests can play the browser; the default reads window/document. */
export interface BrowserSignals {
  /** False only when the browser is sure there is no network. */
  isOnline(): boolean;
  /** Starts listening; the returned function removes every listener it added. */
  listen(listener: (signal: BrowserSignal) => void): () => void;
}

/** Signals from `window` and `document`, or null where there are none (Node.js, workers without them). */
export function defaultBrowserSignals(): BrowserSignals | null {
  const win = typeof window === 'undefined' ? undefined : window;
  const doc = typeof document === 'undefined' ? undefined : document;
  if (!win || typeof win.addEventListener !== 'function') return null;
  return {
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    listen(listener) {
      const onOnline = (): void => listener('online');
      const onOffline = (): void => listener('offline');
      const onPageShow = (event: PageTransitionEvent): void => {
        // Only a page restored from the back-forward cache has a stale socket to revive.
        if (event.persisted) listener('pageshow');
      };
      const onVisibility = (): void => listener(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      win.addEventListener('online', onOnline);
      win.addEventListener('offline', onOffline);
      win.addEventListener('pageshow', onPageShow);
      doc?.addEventListener('visibilitychange', onVisibility);
      return () => {
        win.removeEventListener('online', onOnline);
        win.removeEventListener('offline', onOffline);
        win.removeEventListener('pageshow', onPageShow);
        doc?.removeEventListener('visibilitychange', onVisibility);
      };
    },
  };
}
