import { classifyRefusal } from './connack';
import { ErrorCode, type WebMqttError } from '../core/errors';

/**
 * Which MQTT version the next CONNECT speaks. Fixed for 4 and 5; for 'auto', MQTT 5 first and
 * 3.1.1 when a broker proves it cannot speak 5, remembered once a 3.1.1 CONNACK proves it speaks that.
 */
export class ProtocolFallback {
  /** The version of the next (or current) CONNECT. */
  version: 4 | 5;
  /** The broker refused MQTT 5 on this attempt. */
  #refusedV5 = false;
  /** Trying 3.1.1 after an MQTT 5 attempt got no CONNACK. */
  #tentativeV4 = false;
  /** 'auto' settled on a version for the client's life. */
  #settled = false;
  readonly #configured: 4 | 5 | 'auto';

  constructor(configured: 4 | 5 | 'auto') {
    this.#configured = configured;
    this.version = configured === 4 ? 4 : 5;
  }

  /** The broker refused this attempt's CONNECT with a return code (3.1.1) or reason code (5). */
  refused(code: number): void {
    if (this.#configured === 'auto' && this.version === 5 && classifyRefusal(code, 5) === 'protocol') this.#refusedV5 = true;
  }

  /** A CONNACK accepted the CONNECT: 'auto' keeps this version from now on. */
  accepted(): void {
    if (this.#configured !== 'auto') return;
    this.#settled = true;
    this.#tentativeV4 = false;
  }

  /**
   * The attempt failed with `error` (`socketOpened`: whether its WebSocket opened, where the transport says).
   * True when the same node is to be tried again at once in 3.1.1
   * (`version` is 4 now). A failed 3.1.1 try means the broker is unreachable rather than old:
   * the next attempt speaks MQTT 5 again.
   */
  retryInV4(error: WebMqttError, socketOpened?: boolean): boolean {
    // A socket that never opened says nothing of the MQTT version (a 404, a closed port): no second socket for it.
    if (socketOpened !== false && this.#shouldTryV4(error)) {
      // 3.1.1-only brokers answer an MQTT 5 CONNECT with return code 1 or (aedes) just close the socket.
      this.#refusedV5 = false;
      this.#tentativeV4 = true;
      this.version = 4;
      return true;
    }
    if (this.#tentativeV4) {
      this.#tentativeV4 = false;
      this.version = 5;
    }
    return false;
  }

  #shouldTryV4(error: WebMqttError): boolean {
    if (this.#configured !== 'auto' || this.#settled || this.version !== 5) return false;
    if (this.#refusedV5) return true;
    // Only a socket that closed before CONNACK: not a timeout, not a refusal of the credentials.
    return error.code === ErrorCode.CONNECTION_REFUSED && error.reasonCode === undefined && error.field === undefined;
  }
}
