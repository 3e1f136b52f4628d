import { expect, type Page } from '@playwright/test';

// Chromium's timer throttling for a hidden page, emulated in the page's own window timers, because
// headless Chromium keeps every tab "visible": bringing another tab to the front or minimising changes
// nothing, and Page.setWebLifecycleState 'frozen' is a no-op on a visible page.
//
// The policy modelled, from Chromium's source (third_party/blink/renderer/core/frame/dom_timer.cc and
// platform/scheduler/main_thread/frame_scheduler_impl.cc):
// - A timer's nesting level is the level of the code that set it plus one. Code outside any timer task
//   (a MessageChannel or WebSocket message event, page.evaluate) is at level 0; a timer's callback, and
//   the microtasks it queues (the microtask checkpoint runs inside the timer task), are at that timer's
//   level. A setInterval's level grows by one with every run.
// - A timer at level >= 5 (kMaxTimerNestingLevel) goes to the kJavascriptTimerDelayedHighNesting queue,
//   the only timer queue intensive wake-up throttling applies to: the 5th link of a chain of timeouts each
//   set from the previous callback, and a setInterval from its 5th run on. Those get `intensiveMs` wake-ups
//   (Chromium: one a minute after a grace period hidden; here from the moment the page is hidden).
// - Any other timer with a non-zero delay gets `normalMs` wake-ups (Chromium: 1 s).
// - A zero delay below level 5 goes to kJavascriptTimerImmediate, which Chromium never throttles.
// Not modelled: Chromium's 1% background CPU budget; the exception that lets one high-nesting timer run on
// a 1 s wake-up when none has run for a minute (so this emulation is the stricter of the two); timers
// already pending when the page goes hidden, which keep their time. Timers in workers are not throttled in
// Chromium (BlinkSchedulerWorkerThrottling is disabled by default) and are not touched here.

export interface WakeUps {
  /** Alignment of the wake-ups of timers below nesting level 5 (Chromium: 1,000 ms). */
  normalMs: number;
  /** Alignment of the wake-ups of timers at nesting level 5 and above (Chromium: 60,000 ms). */
  intensiveMs: number;
}

/**
 * Page side, run by addInitScript before any page script, so that the SDK cannot hold a reference to an
 * unwrapped setTimeout: wraps the window timers to track nesting levels, and to align wake-ups once
 * `window.timerModel.hidden` is set. A callback never runs before its wake-up by Date.now().
 */
function installTimerModel(): void {
  const w = window as any;
  if (w.timerModel) return;
  const nativeSetTimeout = w.setTimeout.bind(w);
  const nativeClearTimeout = w.clearTimeout.bind(w);
  const nativeSetInterval = w.setInterval.bind(w);
  const HIGH_NESTING = 5;
  // Microtask turns after a timer callback that still count as its task: enough for any await chain.
  const CHECKPOINT_TURNS = 200;
  // `woken`: how many timers set while hidden got each kind of wake-up (diagnostics for the specs).
  const model = { hidden: false, normalMs: 1, intensiveMs: 1, woken: { immediate: 0, normal: 0, intensive: 0 } };
  w.timerModel = model;
  /** Public id (the first native id) -> native id of the timer's next run. */
  const pending = new Map<number, number>();
  let level = 0;
  let task = 0;

  const runAtLevel = (timerLevel: number, handler: (...args: any[]) => void, args: any[]): void => {
    const mine = ++task;
    level = timerLevel;
    let turns = 0;
    const settle = (): void => {
      if (mine !== task) return;
      if (++turns < CHECKPOINT_TURNS) queueMicrotask(settle);
      else level = 0;
    };
    try {
      handler(...args);
    } finally {
      queueMicrotask(settle);
    }
  };
  const wakeUp = (ms: unknown, timerLevel: number): number => {
    let delay = Math.max(0, Math.trunc(Number(ms)) || 0);
    if (timerLevel >= HIGH_NESTING && delay < 4) delay = 4;
    const now = Date.now();
    if (!model.hidden) return now + delay;
    const kind = delay === 0 ? 'immediate' : timerLevel >= HIGH_NESTING ? 'intensive' : 'normal';
    model.woken[kind] += 1;
    if (kind === 'immediate') return now;
    const align = kind === 'intensive' ? model.intensiveMs : model.normalMs;
    return Math.ceil((now + delay) / align) * align;
  };
  const arm = (id: number | undefined, at: number, run: () => void): number => {
    const nativeId: number = nativeSetTimeout(() => (Date.now() < at ? arm(publicId, at, run) : run()), Math.max(0, at - Date.now()));
    const publicId = id ?? nativeId;
    pending.set(publicId, nativeId);
    return publicId;
  };
  const clear = (id: number): void => {
    const nativeId = pending.get(id);
    pending.delete(id);
    nativeClearTimeout(nativeId ?? id);
  };

  w.setTimeout = function setTimeout(handler: unknown, ms?: unknown, ...args: any[]) {
    if (typeof handler !== 'function') return nativeSetTimeout(handler, ms, ...args);
    const timerLevel = level + 1;
    const id = arm(undefined, wakeUp(ms, timerLevel), () => {
      pending.delete(id);
      runAtLevel(timerLevel, handler as (...args: any[]) => void, args);
    });
    return id;
  };
  w.setInterval = function setInterval(handler: unknown, ms?: unknown, ...args: any[]) {
    if (typeof handler !== 'function') return nativeSetInterval(handler, ms, ...args);
    let nesting = level + 1;
    let id: number | undefined;
    const next = (): void => {
      id = arm(id, wakeUp(ms, nesting), run);
    };
    const run = (): void => {
      // As Chromium: the callback runs at the level the run was set at; the next run, re-armed first, one deeper.
      const runLevel = nesting;
      nesting += 1;
      next();
      runAtLevel(runLevel, handler as (...args: any[]) => void, args);
    };
    next();
    return id;
  };
  w.clearTimeout = clear;
  w.clearInterval = clear;
}

/** Opens an SDK page (default the ESM one) with the timer model installed before any of its scripts. */
export async function openWithTimerModel(page: Page, siteUrl: string, path = '/esm.html'): Promise<Page> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript(installTimerModel);
  await page.goto(`${siteUrl}${path}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  expect(errors).toEqual([]);
  return page;
}

/**
 * Tells the page it is hidden the way the SDK reads it (visibilityState, visibilitychange) and switches
 * its window timers to background wake-ups. The page must come from openWithTimerModel.
 */
export async function goBackground(page: Page, wakeUps: WakeUps): Promise<void> {
  await page.evaluate(({ normalMs, intensiveMs }) => {
    const w = window as any;
    if (!w.timerModel) throw new Error('goBackground: open the page with openWithTimerModel first');
    Object.assign(w.timerModel, { hidden: true, normalMs, intensiveMs });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, wakeUps);
}
