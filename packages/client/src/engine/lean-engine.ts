import type { EngineConnect } from './mqtt-engine';
import { connect } from './lean-mqtt';

/**
 * The browser builds' engine: MQTT.js's client from its own modules with browser stand-ins (lean-mqtt.ts),
 * imported statically so it arrives with the page instead of being fetched when `connect()` runs. Its
 * modules are evaluated on the first connection, not at import. rollup.config.mjs puts this module in place
 * of mqtt-engine.ts for every browser artefact.
 */
export const loadEngine = (): Promise<EngineConnect> =>
  Promise.resolve((url, options, transport) => connect(url, options, transport));
