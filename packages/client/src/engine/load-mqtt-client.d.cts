import type { MqttClient } from 'mqtt';
declare function loadMqttClient(): typeof MqttClient;
export = loadMqttClient;
