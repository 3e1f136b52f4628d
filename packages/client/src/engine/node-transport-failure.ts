import { ErrorCode, WebMqttError } from '../core/errors';

/** Node's TLS and certificate error codes (tls, OpenSSL): no retry fixes a certificate. */
const TLS_CODE = /^(?:ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|INVALID_CA$|INVALID_PURPOSE$)/;

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
