// The UMD variant: page.html loaded the SDK with a plain <script> tag, which defined the
// global `WebMqtt` (and uPlot's IIFE build defined `uPlot`). Nothing is imported at runtime.
import type { Sdk, UPlotConstructor } from './sdk';
import { startApp } from './app';

declare global {
  interface Window {
    WebMqtt?: Sdk;
    uPlot?: UPlotConstructor;
  }
}

const { WebMqtt, uPlot } = window;
if (!WebMqtt || !uPlot) throw new Error('the WebMqtt and uPlot <script> tags did not load');
void startApp({ sdk: WebMqtt, uPlot });
