// Test harness shared by the e2e pages: records everything a client emits so specs can assert on it.
// Loaded after the SDK, whichever way the page loaded it (window.WebMqtt).
window.makeHarness = function makeHarness(options) {
  const client = window.WebMqtt.createClient(options);
  const record = { states: [], errors: [], messages: [], queue: [], packets: [], connects: [] };
  client.on('state', (s) => record.states.push({
    previous: s.previous, current: s.current, attempt: s.attempt, retryInMs: s.retryInMs,
    code: s.reason ? s.reason.code : undefined, reasonMessage: s.reason ? s.reason.message : undefined, at: Date.now(),
  }));
  client.on('error', (e) => record.errors.push({ code: e.code, message: e.message }));
  client.on('message', (m) => record.messages.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain }));
  client.on('queue', (q) => record.queue.push(q));
  client.on('connect', (c) => record.connects.push(c));
  window.harnesses = window.harnesses || [];
  const harness = { client, record };
  window.harnesses.push(harness);
  return harness;
};
window.errorInfo = function errorInfo(e) {
  return { code: e && e.code, message: e && e.message, isWebMqttError: window.WebMqtt.isWebMqttError(e) };
};
