import { test, expect } from './support/fixtures';

test('a wrong static token ends in state failed with AUTH_FAILED, seen by the page', async ({ esmPage, broker, auth }) => {
  const result = await esmPage.evaluate(async ({ url, username }) => {
    const w = window as any;
    const { client, record } = w.makeHarness({ url, auth: { token: 'not-a-valid-token', username } });
    let error;
    try {
      await client.connect();
    } catch (e) {
      error = w.errorInfo(e);
    }
    return { error, state: client.state, states: record.states };
  }, { url: broker.urls.ws, username: auth.username });
  expect(result.error).toMatchObject({ code: 'AUTH_FAILED', isWebMqttError: true });
  expect(result.state).toBe('failed');
  expect(result.states.at(-1)).toMatchObject({ current: 'failed', code: 'AUTH_FAILED' });
  // The message never carries the token.
  expect(JSON.stringify(result)).not.toContain('not-a-valid-token');
});

test('no token at all on a broker that requires one: AUTH_FAILED, not a retry loop', async ({ esmPage, broker }) => {
  const result = await esmPage.evaluate(async ({ url }) => {
    const w = window as any;
    const { client, record } = w.makeHarness({ url });
    let error;
    try {
      await client.connect();
    } catch (e) {
      error = w.errorInfo(e);
    }
    return { error, attempts: record.states.filter((s: any) => s.current === 'connecting').length };
  }, { url: broker.urls.ws });
  expect(result.error?.code).toBe('AUTH_FAILED');
  expect(result.attempts).toBeLessThanOrEqual(2);
});
