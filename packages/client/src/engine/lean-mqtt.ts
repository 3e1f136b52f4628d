import type { IClientOptions, MqttClient } from 'mqtt';
import type { EngineTransport } from './mqtt-engine';
import { Buffer } from './buffer';
import { ENGINE_BYTES, setEngineHook } from './engine-hooks';
import { WebSocketDuplex } from './ws-duplex';
import loadMqttClient from './load-mqtt-client.cjs';

/**
 * What `mqtt.connect(url, options)` takes from the URL, without Node's `url` module: credentials in the
 * URL become the CONNECT username/password (and leave the WebSocket URL) unless given as options;
 * `?clientId=` is the client id, over the option, as in MQTT.js. Pure.
 */
export function connectOptions(url: string, options: IClientOptions): { wsUrl: string; options: IClientOptions } {
  const parsed = new URL(url);
  const fromUrl: IClientOptions = {};
  if (parsed.username) fromUrl.username = decodeURIComponent(parsed.username);
  if (parsed.password) fromUrl.password = decodeURIComponent(parsed.password);
  const clientId = parsed.searchParams.get('clientId');
  parsed.username = '';
  parsed.password = '';
  const protocol = parsed.protocol.replace(/:$/, '') as IClientOptions['protocol'];
  const merged: IClientOptions = { ...fromUrl, ...options, protocol, hostname: parsed.hostname };
  // mqtt.connect() lets the URL's ?clientId= override the option: the same here, so both engines agree.
  if (clientId !== null) merged.clientId = clientId;
  return { wsUrl: parsed.href, options: merged };
}

/**
 * MQTT.js's own `MqttClient` (its handlers, stores and mqtt-packet) on a WebSocket: the lean browser
 * build's `connect()`. With `manualConnect` (as the SDK sets it) nothing is sent until `client.connect()`.
 */
export function connect(url: string, options: IClientOptions, transport: EngineTransport): MqttClient {
  const { wsUrl, options: opts } = connectOptions(url, options);
  if (opts.clean === false && !opts.clientId) throw new Error('Missing clientId for unclean clients');
  const MqttClientClass = loadMqttClient();
  const subprotocol = opts.protocolId === 'MQIsdp' && opts.protocolVersion === 3 ? 'mqttv3.1' : 'mqtt';
  // Built anew for every attempt; transformWsUrl (the SDK's per-attempt URL: token, Server Reference) as in MQTT.js.
  const streamBuilder = (client: MqttClient) => {
    const target = typeof opts.transformWsUrl === 'function' ? opts.transformWsUrl(wsUrl, opts as never, client) : wsUrl;
    const socket = transport.createSocket ? transport.createSocket(target, [subprotocol]) : new WebSocket(target, [subprotocol]);
    return new WebSocketDuplex(socket, { setTimeout: transport.setTimeout });
  };
  const client = new MqttClientClass(streamBuilder as never, opts);
  // A binary CONNECT password must be this engine's Buffer (mqtt-packet checks `instanceof Buffer`): the SDK converts with this.
  setEngineHook(client, ENGINE_BYTES, (bytes: Uint8Array) => new Buffer(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength));
  if (!opts.manualConnect) client.connect();
  return client;
}
