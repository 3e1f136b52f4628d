import * as WebMqtt from '/dist/webmqtt.browser.mjs';

window.WebMqtt = WebMqtt;
await import('./harness.js');
window.sdkReady = true;
