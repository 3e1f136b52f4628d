const REDACTED = '[REDACTED]';

/**
 * A copy of an MQTT.js packet fit for the `packet` event: credentials replaced, the payload a `Uint8Array`. A
 * shallow copy: the payload is the same bytes MQTT.js holds. Never mutates the packet MQTT.js is still using.
 */
export function redactPacket(packet: Record<string, unknown>, usernameIsSecret = false): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...packet };
  const cmd = copy['cmd'];
  // One payload type both ways: a plain Uint8Array view (incoming ones are the engine's Buffer), the same bytes.
  const payload = copy['payload'];
  if (payload instanceof Uint8Array && payload.constructor !== Uint8Array) copy['payload'] = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (cmd === 'connect') {
    if (copy['password'] !== undefined && copy['password'] !== null) copy['password'] = REDACTED;
    // The username is a credential with placement 'username'; a JWT-shaped one is treated as a credential anyway.
    const username = copy['username'];
    if (typeof username === 'string' && username !== '' && (usernameIsSecret || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(username))) {
      copy['username'] = REDACTED;
    }
  }
  // Enhanced authentication (CONNECT and AUTH) carries its secret in authenticationData.
  const properties = copy['properties'] as Record<string, unknown> | undefined;
  if ((cmd === 'connect' || cmd === 'auth') && properties?.['authenticationData'] !== undefined) {
    copy['properties'] = { ...properties, authenticationData: REDACTED };
  }
  return copy;
}
