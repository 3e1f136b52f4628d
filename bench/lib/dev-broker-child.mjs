// The dev broker (@webmqtt/broker, aedes inside) in its own process, driven over IPC,
// so a Node client herd and the broker do not share one event loop.
import { startBroker } from '@webmqtt/broker';

const maxPacketSize = Number(process.env.BENCH_MAX_PACKET ?? 1024 * 1024);
const broker = await startBroker({ wsPort: 0, wssPort: false, auth: { anonymous: true }, maxPacketSize });
process.send({ type: 'ready', url: broker.urls.ws, wsPort: broker.wsPort });
process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'pause') await broker.pause();
    else if (msg.cmd === 'resume') await broker.resume();
    else if (msg.cmd === 'clients') return process.send({ type: 'reply', seq: msg.seq, value: broker.clients });
    else if (msg.cmd === 'stop') await broker.stop();
    process.send({ type: 'reply', seq: msg.seq, at: Date.now() });
    if (msg.cmd === 'stop') process.exit(0);
  } catch (error) {
    process.send({ type: 'reply', seq: msg.seq, error: String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
