import type * as WebMqtt from '@webmqtt/client';
import type uPlot from 'uplot';

/** The part of the SDK the page uses; the ESM import or the UMD global `WebMqtt` both provide it. */
export type Sdk = Pick<typeof WebMqtt, 'createClient' | 'matchTopic' | 'isWebMqttError'>;

/** uPlot's constructor, from its ESM build or its IIFE global. */
export type UPlotConstructor = typeof uPlot;

/** What the page is given at startup. */
export interface AppDeps {
  sdk: Sdk;
  uPlot: UPlotConstructor;
}

/** /config.json, written by the demo server. */
export interface DemoConfig {
  brokerUrls: { ws: string; wss?: string };
  token: string;
  tokenExpiresAt: number;
}
