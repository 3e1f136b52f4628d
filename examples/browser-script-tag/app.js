// The seed's scenario in a page: connect, subscribe, publish Hello World, print what happens, close.
(function () {
  'use strict';
  var url = new URLSearchParams(location.search).get('url') || 'ws://localhost:8084/mqtt';
  var topic = 'sensors/temperature';
  var message = 'Hello World';
  var logElement = document.getElementById('log');
  var stateElement = document.getElementById('state');
  document.getElementById('url').textContent = url;

  function log(line) {
    logElement.textContent += line + '\n';
  }

  log('Connecting client...');
  var client = WebMqtt.createClient({
    url: url,
    clean: true,
    clientId: 'tbmq_websockets_client_id',
    username: 'tbmq_websockets_username',
    password: null,
    reconnect: { maxAttempts: 3 },
  });

  client.on('connect', function () {
    log('Client connected!');
  });
  client.on('error', function (error) {
    log('Error:  ' + error.code + ': ' + error.message);
  });
  client.on('packet', function (trace) {
    log((trace.direction === 'in' ? 'Packet receive... ' : 'Packet send... ') + trace.packet.cmd);
  });
  client.on('state', function (change) {
    stateElement.value = change.current;
    if (change.current === 'reconnecting') log('Reconnecting...');
    if (change.current === 'closed') log('Closing client...');
  });

  client
    .connect()
    .then(function () {
      return client.subscribe(topic, function (received) {
        log('Received message. Payload: ' + received.text() + '. Topic: ' + received.topic);
        client.close();
      });
    })
    .then(function () {
      return client.publish(topic, message);
    })
    .catch(function (error) {
      log('Error:  ' + error.code + ': ' + error.message);
    });
})();
