import type { ClientOptions, WebMqttClient } from '@webmqtt/client';
import type { Sdk } from './sdk';

/** Runs when a client is created; returns what to undo when that client is replaced. */
type ClientHook = (client: WebMqttClient) => (() => void) | void;

/**
 * The page's one current client. Panels register hooks instead of holding the client, so
 * connecting again with other options rewires everything in one place.
 */
export class Session {
  private current: WebMqttClient | undefined;
  private readonly hooks: ClientHook[] = [];
  private undo: Array<() => void> = [];

  constructor(private readonly sdk: Sdk) {}

  get client(): WebMqttClient | undefined {
    return this.current;
  }

  /** `hook` runs for every client created from now on. */
  onClient(hook: ClientHook): void {
    this.hooks.push(hook);
  }

  /** Closes any previous client, creates a new one (throws INVALID_OPTIONS) and runs the hooks. */
  async open(options: ClientOptions): Promise<WebMqttClient> {
    const client = this.sdk.createClient(options);
    await this.close();
    this.current = client;
    this.undo = this.hooks.map((hook) => hook(client)).filter((fn): fn is () => void => typeof fn === 'function');
    return client;
  }

  /** Closes the current client (DISCONNECT); its listeners still see the final `closed` state. */
  async close(): Promise<void> {
    const client = this.current;
    if (!client) return;
    await client.close().catch(() => {});
    if (this.current === client) {
      for (const fn of this.undo) fn();
      this.undo = [];
      this.current = undefined;
    }
  }
}
