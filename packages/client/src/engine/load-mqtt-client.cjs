// MQTT.js's client class, required on first use rather than at import: evaluating MQTT.js's modules builds
// mqtt-packet's number cache (65,536 small buffers) and reads browser globals, which importing the SDK must not do.
// The lean browser build (rollup, commonjs with strictRequires) keeps this require inside the function.
module.exports = function loadMqttClient() {
  return require('mqtt/lib/client').default;
};
