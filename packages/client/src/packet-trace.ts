const REDACTED = '[REDACTED]';

/**
 * A copy of an MQTT.js packet fit for the `packet` event: credentials replaced, payload bytes
 * kept as a Uint8Array view. Never mutates the packet MQTT.js is still using.
 */
export function redactPacket(packet: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...packet };
  if (copy['cmd'] === 'connect') {
    if (copy['password'] !== undefined && copy['password'] !== null) copy['password'] = REDACTED;
    // A JWT placed in the username (placement 'username') is a credential too.
    if (typeof copy['username'] === 'string' && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(copy['username'])) copy['username'] = REDACTED;
    const properties = copy['properties'] as Record<string, unknown> | undefined;
    if (properties && properties['authenticationData'] !== undefined) {
      copy['properties'] = { ...properties, authenticationData: REDACTED };
    }
  }
  if (copy['cmd'] === 'auth') {
    const properties = copy['properties'] as Record<string, unknown> | undefined;
    if (properties && properties['authenticationData'] !== undefined) {
      copy['properties'] = { ...properties, authenticationData: REDACTED };
    }
  }
  return copy;
}
