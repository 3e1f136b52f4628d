// mqtt-packet's entry for the lean browser build: the parser and writeToStream, which are all MQTT.js's client
// uses (its mqtt.js entry also loads generate(), never called from MQTT.js).
exports.parser = require('mqtt-packet/parser').parser;
exports.writeToStream = require('mqtt-packet/writeToStream');
