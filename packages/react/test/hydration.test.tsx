// @vitest-environment happy-dom
import { act } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { SsrApp } from './support/app';
import { FakeClient } from './support/fake-client';
import { settle } from './support/render';

describe('hydrating the server’s HTML', () => {
  it('hydrates without a mismatch while the client is already connecting, then shows the client’s state and messages', async () => {
    const server = new FakeClient();
    const html = renderToString(<SsrApp client={server.asClient} />);
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.append(container);

    const browser = new FakeClient();
    browser.state = 'connecting';
    const recoverable: unknown[] = [];
    const errors = vi.spyOn(console, 'error');
    let root: ReturnType<typeof hydrateRoot> | undefined;
    await act(async () => {
      root = hydrateRoot(container, <SsrApp client={browser.asClient} />, { onRecoverableError: (error) => recoverable.push(error) });
    });
    expect(recoverable).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
    // After hydration React re-renders with the client's own state.
    expect(container.querySelector('#state')!.textContent).toBe('connecting (solo)');
    browser.ack();
    await settle();
    browser.deliver('sensors/kitchen/temperature', '21.5');
    await act(async () => {
      await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    });
    expect(container.querySelector('#readings')!.textContent).toBe('21.5');
    act(() => root!.unmount());
    errors.mockRestore();
  });

  it('a page whose server rendered something else does report the mismatch (the check above can fail)', async () => {
    const container = document.createElement('div');
    container.innerHTML = renderToString(<p>other</p>);
    const recoverable: unknown[] = [];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await act(async () => {
      hydrateRoot(container, <SsrApp client={new FakeClient().asClient} />, { onRecoverableError: (error) => recoverable.push(error) });
    });
    expect(recoverable.length + errors.mock.calls.length).toBeGreaterThan(0);
    errors.mockRestore();
  });
});
