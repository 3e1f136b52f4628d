import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

/**
 * Creates the MQTT.js client the connection runs on. Injected so unit tests use a fake
 * and never open sockets. Called once per webmqtt client; reconnects reuse that MQTT.js client
 * so its in-flight QoS 1/2 stores survive a dropped socket.
 */
export type MqttFactory = (url: string, options: IClientOptions) => MqttClient;

/** MQTT.js through its default export: the only form its prebuilt browser build offers. */
export const defaultMqttFactory: MqttFactory = (url, options) => mqtt.connect(url, options);
