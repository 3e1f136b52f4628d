import { ErrorCode, WebMqttError } from './errors';

/**
 * What the socket of one attempt showed, where the transport lets us see it: a browser WebSocket says whether it
 * opened and how it closed; Node's `ws` stream says neither (`undefined`), its failures come as errors instead.
 */
export interface SocketOutcome {
  opened: boolean | undefined;
  closeCode: number | undefined;
  closeReason: string | undefined;
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

/** Node's TLS and certificate error codes (tls, OpenSSL): no retry fixes a certificate. */
const TLS_CODE = /^(?:ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|INVALID_CA$|INVALID_PURPOSE$)/;

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

/** The error for a connection that was up and is gone, with the close code where the transport shows it. Pure. */
export function connectionLost(outcome: SocketOutcome): WebMqttError {
  return new WebMqttError(ErrorCode.CONNECTION_LOST, `The connection to the broker was lost${closeText(outcome)}; reconnecting.`);
}

/**
 * What a transport error (Node's `ws` and `tls`, while connecting) means, when no retry can fix it or it needs its
 * own words: a certificate or TLS failure (TLS_FAILED), an HTTP answer other than 101 to the upgrade
 * (HANDSHAKE_REJECTED; 401/403 are a refusal of the credentials, 5xx and 429 a broker that may come back), a
 * refused or unreachable port (CONNECTION_REFUSED, retried). Undefined for anything else. Pure.
 */
export function transportFailure(error: { code?: unknown; message?: unknown }, where: string): WebMqttError | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (TLS_CODE.test(code) || /\balert\b.*\b(?:certificate|handshake)\b|certificate (?:required|unknown|verify)/i.test(message)) {
    return new WebMqttError(
      ErrorCode.TLS_FAILED,
      `TLS with ${where} failed (${code || message}): check the certificates — tls.ca must hold the CA that signed the broker's certificate, its name must match the URL's host, and a broker that asks for a client certificate needs tls.cert and tls.key.`,
      { cause: error, retryable: false, field: 'tls' },
    );
  }
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  if (status !== undefined) {
    const n = Number(status);
    if (n === 401 || n === 403) {
      return new WebMqttError(ErrorCode.AUTH_FAILED, `The server at ${where} refused the WebSocket upgrade with HTTP ${n}: it refused the credentials; check the token and where it is placed (auth.placement).`, {
        cause: error,
        retryable: false,
        field: 'auth',
      });
    }
    if (n >= 500 || n === 429) {
      return new WebMqttError(ErrorCode.CONNECTION_REFUSED, `The server at ${where} answered the WebSocket upgrade with HTTP ${n} (unavailable for now); retrying.`, { cause: error });
    }
    return new WebMqttError(
      ErrorCode.HANDSHAKE_REJECTED,
      `The server at ${where} answered the WebSocket upgrade with HTTP ${n}, not 101: check the URL's host, port and path (MQTT brokers usually serve /mqtt).`,
      { cause: error, retryable: false, field: 'url' },
    );
  }
  if (/^(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)$/.test(code)) {
    return new WebMqttError(ErrorCode.CONNECTION_REFUSED, `Could not reach ${where} (${code}); check the host and port, and that the broker is up. Retrying.`, { cause: error });
  }
  return undefined;
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
