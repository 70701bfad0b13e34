// The baseline of a service process (bench/startup.ts): a bare node process with mqtt.js,
// connected and subscribed to the system's topics, announcing itself with a retained status
// as a Chinook service does. Plain JavaScript (no tsx), so it pays nothing a user's process would not.
// Usage: node bench/bare-service.mjs <url> <prefix> <name>
import mqtt from 'mqtt';

const [url, prefix, name] = process.argv.slice(2);
const client = mqtt.connect(url, {
  clientId: `${name}-${process.pid}`,
  protocolVersion: 4,
  will: { topic: `${prefix}/status/${name}`, payload: Buffer.from('{"status":"offline"}'), qos: 1, retain: true },
});
const held = new Map();
client.on('message', (topic, payload) => held.set(topic, JSON.parse(payload.toString('utf8'))));
client.once('connect', async () => {
  await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
  await client.publishAsync(`${prefix}/status/${name}`, JSON.stringify({ status: 'online', service: name }), { qos: 1, retain: true });
});
process.once('SIGTERM', () => client.end(false, () => process.exit(0)));
