import { request } from 'node:http';

/**
 * `node live-output-clients.js <url> <count>`: opens `count` SSE tails of one output and reads
 * them for as long as it lives. Prints `{connected}` once all answered 200, then, on SIGTERM,
 * `{bytes, events}` received in total. A process of its own, so the tails' parsing does not
 * share a CPU queue with the load generator.
 */
function main(): void {
  const [url, countText] = process.argv.slice(2);
  const count = Number(countText);
  let connected = 0;
  let bytes = 0;
  let events = 0;
  for (let i = 0; i < count; i++) {
    const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        process.stderr.write(`tail ${i}: ${res.statusCode}\n`);
        process.exit(1);
      }
      if (++connected === count) process.stdout.write(`${JSON.stringify({ connected })}\n`);
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let j = chunk.indexOf('\n\n'); j >= 0; j = chunk.indexOf('\n\n', j + 2)) events++;
      });
    });
    req.on('error', (error) => {
      process.stderr.write(`tail ${i}: ${error.message}\n`);
      process.exit(1);
    });
    req.end();
  }
  process.on('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify({ bytes, events })}\n`);
    process.exit(0);
  });
}

main();
