import type { StateChange, WebMqttClient } from '@webmqtt/client';
import { byId } from './dom';
import type { Session } from './session';

/**
 * The live badge, driven only by `state` events. While `reconnecting` it counts down to the
 * next attempt; screen readers hear one sentence per state change, not every tick.
 */
export function mountStateBadge(session: Session): { showFailure(code: string): void } {
  const badge = byId('state-badge');
  const text = byId('state-text');
  const announcer = byId('state-announcer');
  let ticker: ReturnType<typeof setInterval> | undefined;

  const set = (state: string, label: string, announcement: string): void => {
    badge.dataset['state'] = state;
    text.textContent = label;
    announcer.textContent = announcement;
  };

  const countdown = (deadline: number, attempt: number | undefined): void => {
    const tick = (): void => {
      const left = Math.max(0, deadline - Date.now());
      const of = attempt === undefined ? '' : ` (attempt ${attempt})`;
      text.textContent = left > 0 ? `Reconnecting in ${(left / 1000).toFixed(1)} s${of}` : `Reconnecting now${of}`;
    };
    tick();
    ticker = setInterval(tick, 100);
  };

  const show = (change: StateChange, client: WebMqttClient): void => {
    clearInterval(ticker);
    ticker = undefined;
    const attempt = change.attempt;
    const code = change.reason?.code;
    // Why, in the SDK's words (reason codes named, what to do): on hover and for assistive tech.
    badge.title = change.reason ? `${change.reason.code}: ${change.reason.message}` : '';
    switch (change.current) {
      case 'idle':
        set('idle', 'Not connected', 'Not connected.');
        break;
      case 'connecting':
        set(
          'connecting',
          attempt !== undefined && attempt > 1 ? `Connecting… (attempt ${attempt})` : 'Connecting…',
          'Connecting.',
        );
        break;
      case 'connected': {
        const version = client.protocolVersion === 5 ? '5' : '3.1.1';
        set('connected', `Connected · MQTT ${version}`, `Connected with MQTT ${version}.`);
        break;
      }
      case 'reconnecting': {
        const wait = change.retryInMs ?? 0;
        set(
          'reconnecting',
          '',
          `Connection lost${code ? ` (${code})` : ''}. Reconnecting, attempt ${attempt ?? '?'}, in ${Math.ceil(wait / 1000)} seconds.`,
        );
        countdown(Date.now() + wait, attempt);
        break;
      }
      case 'offline':
        set('offline', 'Offline: waiting for the network', 'The browser is offline; the client waits for the network.');
        break;
      case 'failed':
        set('failed', `Failed: ${code ?? 'UNKNOWN'}`, `Connection failed with ${code ?? 'an unknown error'}.`);
        break;
      case 'closed':
        set('closed', 'Disconnected', 'Disconnected.');
        break;
    }
  };

  // With shareAcrossTabs: which tab holds the connection (nothing is shown for a client alone).
  const role = byId('role-text');
  const showRole = (client: WebMqttClient): void => {
    const live = client.state === 'connected' || client.state === 'connecting' || client.state === 'reconnecting' || client.state === 'offline';
    role.textContent = live && client.role === 'leader' ? '· leader tab' : live && client.role === 'follower' ? '· follower tab (relayed)' : '';
  };
  session.onClient((client) => {
    const offState = client.on('state', (change) => {
      show(change, client);
      showRole(client);
    });
    const offRole = client.on('role', () => showRole(client));
    return () => {
      offState();
      offRole();
      role.textContent = '';
    };
  });

  return {
    // createClient() throws synchronously for bad options: there is no state event for that.
    showFailure(code) {
      clearInterval(ticker);
      set('failed', `Failed: ${code}`, `Connection failed with ${code}.`);
    },
  };
}
