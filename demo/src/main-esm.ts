// The ESM variant: the SDK comes in through an import of its browser build (MQTT.js inside),
// exactly as `<script type="module">` users load it. The build maps these imports to /sdk/ and /vendor/.
import * as sdk from '@webmqtt/client';
import uPlot from 'uplot';
import { startApp } from './app';

void startApp({ sdk, uPlot });
