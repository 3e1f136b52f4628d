import { ErrorCode, WebMqttError } from '../core/errors';
import { reasonText } from './connack';

/**
 * What a failed attempt means, in words that say what to check. Node's transport errors (TLS, HTTP status) are
 * read by the Node engine (engine/node-transport-failure.ts), which browsers never load.
 */

/**
 * What the socket of one attempt showed, where the transport lets us see it: a browser WebSocket says whether it
 * opened and how it closed; Node's `ws` stream says neither (`undefined`), its failures come as errors instead.
 */
export interface SocketOutcome {
  opened: boolean | undefined;
  closeCode: number | undefined;
  closeReason: string | undefined;
}

/** The broker's DISCONNECT (MQTT 5), or a CONNACK refusal that names another server. */
export interface ServerGoodbye {
  reasonCode: number;
  serverReference?: string | undefined;
  reasonString?: string | undefined;
}

/** An outcome with nothing known yet. */
export function unknownOutcome(): SocketOutcome {
  return { opened: undefined, closeCode: undefined, closeReason: undefined };
}

/**
 * Close codes a server uses to refuse credentials before any CONNACK: 1008 (policy violation), and the registered
 * 3000 (unauthorized) and 3003 (forbidden). Other codes (1002 "unauthenticated" is common) count when the reason says so.
 */
const AUTH_CLOSE_CODES = [1008, 3000, 3003];
const AUTH_REASON = /unauth|not authori[sz]ed|forbidden|authenticat|credential|invalid token|token expired|bad user ?name or password|access denied/i;

/** MQTT.js's own errors without a code: none of them means the server spoke something other than MQTT. */
const MQTTJS_OWN = /^(?:Keepalive timeout|connack timeout|client disconnecting|Packet has no Authentication Method)/;

/** `(close code 1002, reason "unauthenticated")`, or `(the WebSocket never opened)`, or nothing when nothing is known. */
export function closeText(outcome: SocketOutcome): string {
  if (outcome.closeCode !== undefined) {
    const reason = outcome.closeReason ? `, reason ${JSON.stringify(outcome.closeReason.slice(0, 120))}` : '';
    return ` (close code ${outcome.closeCode}${reason}${outcome.opened === false ? ', the WebSocket never opened' : ''})`;
  }
  return outcome.opened === false ? ' (the WebSocket never opened)' : '';
}

/** The server closed the WebSocket to refuse the credentials: a close code or reason that says so. Pure. */
export function isAuthClose(outcome: SocketOutcome): boolean {
  if (outcome.closeCode === undefined) return false;
  return AUTH_CLOSE_CODES.includes(outcome.closeCode) || AUTH_REASON.test(outcome.closeReason ?? '');
}

/** The error for a socket that closed before any CONNACK, from what the socket showed. Pure. */
export function closedBeforeConnack(outcome: SocketOutcome, where: string): WebMqttError {
  const how = closeText(outcome);
  if (isAuthClose(outcome)) {
    return new WebMqttError(ErrorCode.AUTH_FAILED, `The broker closed the WebSocket before any CONNACK${how}: it refused the credentials; check the token and where it is placed (auth.placement).`, {
      retryable: false,
      field: 'auth',
    });
  }
  return new WebMqttError(ErrorCode.CONNECTION_REFUSED, `The connection closed before the broker answered${how}; check the URL (${where}) and that the broker is up.`);
}

/**
 * Why a connection that was up is gone: the broker's DISCONNECT when it sent one, else the error MQTT.js or the
 * transport reported, else what the socket showed (the close code where the transport shows it). Pure.
 */
export function connectionLost(outcome: SocketOutcome, goodbye?: ServerGoodbye, error?: WebMqttError, protocolVersion: 4 | 5 = 5): WebMqttError {
  if (goodbye) {
    const said = goodbye.reasonString ? `: ${JSON.stringify(goodbye.reasonString.slice(0, 200))}` : '';
    return new WebMqttError(ErrorCode.CONNECTION_LOST, `The broker closed the connection (${reasonText(goodbye.reasonCode, protocolVersion)}${said}).`, { reasonCode: goodbye.reasonCode });
  }
  return error ?? new WebMqttError(ErrorCode.CONNECTION_LOST, `The connection to the broker was lost${closeText(outcome)}; reconnecting.`);
}

/**
 * An error MQTT.js reports while waiting for the CONNACK without a code of its own: its packet parser failing on
 * what the server sent, so the server does not speak MQTT (a web server, a WebSocket echo, another protocol).
 * Undefined for MQTT.js's own errors. Pure.
 */
export function notMqtt(error: { code?: unknown; message?: unknown }, where: string): WebMqttError | undefined {
  const message = typeof error.message === 'string' ? error.message : '';
  if (error.code !== undefined || MQTTJS_OWN.test(message)) return undefined;
  return new WebMqttError(
    ErrorCode.PROTOCOL_ERROR,
    `The server at ${where} answered with something that is not MQTT (${message.slice(0, 120) || 'unparseable data'}): check that the URL points at the broker's MQTT-over-WebSocket endpoint.`,
    { cause: error, retryable: false, field: 'url' },
  );
}
