import { Buffer as NodeBuffer } from 'node:buffer';
import { parse as parseLegacyUrl } from 'node:url';
import type { IClientOptions, MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, connectOptions } from '../../src/engine/lean-mqtt';
import { FakeSocket } from './fake-socket';

describe('connectOptions', () => {
  it('userinfo becomes username and password, percent-decoded, and leaves the WebSocket URL', () => {
    const { wsUrl, options } = connectOptions('wss://us%C3%A9r:p%40ss%3Aw%20rd@broker.example:8884/mqtt', {});
    expect(options.username).toBe('usér');
    expect(options.password).toBe('p@ss:w rd');
    expect(wsUrl).toBe('wss://broker.example:8884/mqtt');
    expect(wsUrl).not.toContain('@');
  });

  it('a literal ":" after the first one belongs to the password', () => {
    const { wsUrl, options } = connectOptions('ws://user:a:b@host/', {});
    expect([options.username, options.password]).toEqual(['user', 'a:b']);
    expect(wsUrl).toBe('ws://host/');
  });

  it('a username alone gives no password; no userinfo gives neither', () => {
    const onlyUser = connectOptions('ws://token@host/mqtt', {}).options;
    expect(onlyUser.username).toBe('token');
    expect(onlyUser).not.toHaveProperty('password');
    const none = connectOptions('ws://host/mqtt', {}).options;
    expect(none).not.toHaveProperty('username');
    expect(none).not.toHaveProperty('password');
  });

  it('?clientId= is the client id, decoded as MQTT.js decodes its query (url.parse), and stays in the URL', () => {
    for (const url of ['ws://h/mqtt?clientId=abc', 'ws://h/mqtt?x=1&clientId=a%2Fb%20c', 'ws://h/mqtt?clientId=a+b', 'ws://h/mqtt?clientId=%C3%A9']) {
      const expected = parseLegacyUrl(url, true).query['clientId'];
      const { wsUrl, options } = connectOptions(url, {});
      expect(options.clientId, url).toBe(expected);
      expect(wsUrl, url).toBe(url);
    }
    expect(connectOptions('ws://h/mqtt?other=1', {}).options).not.toHaveProperty('clientId');
  });

  it('explicit credentials win over the URL’s; the URL’s ?clientId= wins over the option (as mqtt.connect)', () => {
    const { options } = connectOptions('ws://u:p@h/mqtt?clientId=fromUrl', { username: 'explicit', password: 'secret', clientId: 'mine' });
    // As mqtt.connect() (the Node engine): explicit credentials win over the URL's, the URL's ?clientId= over the option.
    expect([options.username, options.password, options.clientId]).toEqual(['explicit', 'secret', 'fromUrl']);
  });

  it('other options pass through, and the caller’s object is not changed', () => {
    const given: IClientOptions = { keepalive: 17, clean: false, manualConnect: true, protocolVersion: 5, properties: { sessionExpiryInterval: 9 } };
    const snapshot = structuredClone(given);
    const { options } = connectOptions('wss://u:p@h:443/mqtt', given);
    expect(options).toMatchObject(snapshot);
    expect(options.properties).toBe(given.properties);
    expect(given).toEqual(snapshot);
  });

  it('protocol (without the colon) and hostname are the URL’s; port, path and query stay in wsUrl', () => {
    const secure = connectOptions('wss://user:pw@broker.example:8884/mqtt/path?token=t&x=y', {});
    expect([secure.options.protocol, secure.options.hostname]).toEqual(['wss', 'broker.example']);
    expect(secure.wsUrl).toBe('wss://broker.example:8884/mqtt/path?token=t&x=y');
    const plain = connectOptions('ws://localhost:9001', {});
    expect([plain.options.protocol, plain.options.hostname]).toEqual(['ws', 'localhost']);
    expect(plain.wsUrl).toBe('ws://localhost:9001/');
  });
});

// ---- connect(): MQTT.js's client on a WebSocketDuplex over a fake socket ---------------------

describe('connect', () => {
  const clients: MqttClient[] = [];
  afterEach(() => {
    // MQTT.js's end() needs a stream: only a client that called connect() has one.
    for (const client of clients.splice(0)) if (client.stream) client.end(true);
  });

  function start(url: string, options: IClientOptions) {
    const sockets: FakeSocket[] = [];
    const client = connect(url, { manualConnect: true, reconnectPeriod: 0, ...options }, {
      createSocket: (target, protocols) => {
        const socket = new FakeSocket(target, protocols);
        sockets.push(socket);
        return socket;
      },
      setTimeout: (fn, ms) => setTimeout(fn, ms),
    });
    clients.push(client);
    return { client, sockets };
  }

  const parseAll = (bytes: number[], protocolVersion = 4): any[] => {
    const parser = mqttPacket.parser({ protocolVersion } as never);
    const packets: any[] = [];
    parser.on('packet', (p) => packets.push(p));
    parser.parse(NodeBuffer.from(bytes));
    return packets;
  };

  it('opens nothing until client.connect(); then a socket for wsUrl with subprotocol "mqtt", and a CONNECT with the URL’s credentials once it opens', async () => {
    const { client, sockets } = start('ws://alice:s%40cret@broker.test:9001/mqtt?clientId=lean-1', {});
    expect(sockets).toHaveLength(0);
    client.connect();
    expect(sockets).toHaveLength(1);
    const socket = sockets[0]!;
    expect(socket.url).toBe('ws://broker.test:9001/mqtt?clientId=lean-1');
    expect(socket.protocols).toEqual(['mqtt']);
    expect(socket.sent).toEqual([]);
    socket.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [packet] = parseAll(socket.bytes);
    expect(packet).toMatchObject({ cmd: 'connect', clientId: 'lean-1', username: 'alice' });
    expect(NodeBuffer.from(packet.password).toString()).toBe('s@cret');
    // and a CONNACK from the broker, through the duplex into MQTT.js's parser, connects the client
    const connected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    socket.dispatch('message', { data: new Uint8Array([0x20, 0x02, 0x00, 0x00]).buffer });
    await connected;
    expect(client.connected).toBe(true);
  });

  it('MQTT 3.1 (MQIsdp) asks for the "mqttv3.1" subprotocol', () => {
    const { client, sockets } = start('ws://h/mqtt', { protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'c' });
    client.connect();
    expect(sockets[0]!.protocols).toEqual(['mqttv3.1']);
  });

  it('refuses a persistent session without a client id, as MQTT.js does', () => {
    expect(() => start('ws://h/mqtt', { clean: false })).toThrow('Missing clientId for unclean clients');
    expect(() => start('ws://h/mqtt?clientId=from-url', { clean: false }).client).not.toThrow();
  });
});
