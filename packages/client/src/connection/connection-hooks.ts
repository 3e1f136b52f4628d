import type { MqttClient } from 'mqtt';
import type { WebMqttError } from '../core/errors';
import type { StateChange } from '../core/events';
import type { ConnectedInfo } from './connack';

/** What the connection tells the client that owns it. */
export interface ConnectionHooks {
  state(change: StateChange): void;
  /** A CONNACK: the state is one where publishes go straight out (STATE_TABLE's `sendsDirectly`). */
  connected(info: ConnectedInfo): void;
  /** The state left one where publishes go straight out: the socket that was `connected` is gone (planned or not), or closing. */
  disconnected(): void;
  /** MQTT.js was created: the client attaches its message / packet listeners once. */
  created(mqtt: MqttClient): void;
  error(error: WebMqttError): void;
  /** A planned reconnect begins: hold new publishes back. */
  pause(): void;
  /** QoS 1/2 publishes still waiting for their acknowledgement. */
  inFlight(): number;
  /** The client gave up (state `failed`): whatever waits for the connection must settle now. */
  failed(reason: WebMqttError): void;
  /** The current socket is open (where the transport says so) or gone: the packet log holds what was not sent. */
  socket(event: 'open' | 'gone'): void;
}
