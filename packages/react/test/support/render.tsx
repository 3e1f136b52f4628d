import { Profiler, type ReactNode } from 'react';
import { act, render, type RenderResult } from '@testing-library/react';
import { MqttProvider } from '../../src/index';
import type { FakeClient } from './fake-client';

/** Frames the test hands out itself: nothing reaches React until `flushFrame()`. */
export function manualFrames(): { schedule: (flush: () => void) => void; pending(): number; flushFrame(): void } {
  const queue: Array<() => void> = [];
  return {
    schedule: (flush) => void queue.push(flush),
    pending: () => queue.length,
    flushFrame() {
      act(() => {
        for (const flush of queue.splice(0)) flush();
      });
    },
  };
}

/** Counts the commits of what it wraps (React's Profiler: once per commit, not per StrictMode double render). */
export function commitCounter(): { count(): number; Wrap(props: { children: ReactNode }): ReactNode } {
  let commits = 0;
  return {
    count: () => commits,
    Wrap: ({ children }) => (
      <Profiler id="counted" onRender={() => void commits++}>
        {children}
      </Profiler>
    ),
  };
}

export function Providers(props: { fake: FakeClient; schedule?: (flush: () => void) => void; children: ReactNode }): ReactNode {
  return (
    <MqttProvider client={props.fake.asClient} {...(props.schedule ? { frameScheduler: props.schedule } : {})}>
      {props.children}
    </MqttProvider>
  );
}

/**
 * render() under StrictMode unless `strict: false`. React 19 runs the extra effect cycle only for a StrictMode at
 * the root, so it is testing-library's option (which wraps the root, rerender() too), not a <StrictMode> inside.
 */
export function renderApp(ui: ReactNode, { strict = true }: { strict?: boolean } = {}): RenderResult {
  return render(ui, { reactStrictMode: strict });
}

/** Lets pending promise callbacks (SUBACK → subscribe() resolving → unsubscribe) run, inside act(). */
export async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}
