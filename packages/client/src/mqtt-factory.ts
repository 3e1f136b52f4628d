import type { IClientOptions, MqttClient } from 'mqtt';

/**
 * Creates the MQTT.js client the connection runs on. Injected so unit tests use a fake
 * and never open sockets. Called once per webmqtt client; reconnects reuse that MQTT.js client
 * so its in-flight QoS 1/2 stores survive a dropped socket.
 */
export type MqttFactory = (url: string, options: IClientOptions) => MqttClient | Promise<MqttClient>;

/**
 * MQTT.js through its default export (the only form its prebuilt browser build offers), loaded on
 * the first connection: importing webmqtt evaluates none of MQTT.js, which reads browser globals.
 */
export const defaultMqttFactory: MqttFactory = async (url, options) => {
  const loaded = (await import('mqtt')) as unknown as { default?: { connect: typeof connect }; connect?: typeof connect };
  const mqtt = loaded.default ?? (loaded as { connect: typeof connect });
  return mqtt.connect(url, options);
};

declare function connect(url: string, options: IClientOptions): MqttClient;
