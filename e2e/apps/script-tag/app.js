// A page with no build step: the UMD bundle defines window.WebMqtt and this file uses it.
(function () {
  'use strict';
  var stateOutput = document.getElementById('state');
  var log = document.getElementById('log');

  /** Connects, subscribes, publishes and waits for the message to come back; the spec calls it. */
  window.roundTrip = function roundTrip(url, token, topic) {
    var client = window.WebMqtt.createClient({ url: url, auth: { token: token }, reconnect: { maxAttempts: 3 } });
    client.on('state', function (change) { stateOutput.value = change.current; });
    return client.connect()
      .then(function () {
        return new Promise(function (resolve) {
          client.subscribe(topic, resolve, { qos: 1 }).then(function () {
            return client.publish(topic, 'hello from a script tag', { qos: 1 });
          });
        });
      })
      .then(function (message) {
        var item = document.createElement('li');
        item.textContent = message.topic + ': ' + message.text();
        log.appendChild(item);
        var state = client.state;
        return client.close().then(function () { return { received: message.text(), state: state, isError: false }; });
      }, function (error) {
        return client.close().then(function () { return { received: '', state: client.state, isError: window.WebMqtt.isWebMqttError(error) }; });
      });
  };
  window.appReady = typeof window.WebMqtt === 'object' && typeof window.WebMqtt.createClient === 'function';
})();
