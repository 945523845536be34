import { request } from 'node:http';

const ID_LINE = Buffer.from('\nid: ');

/**
 * `node live-output-clients.js <url> <count>`: opens `count` SSE tails of one output and reads
 * them for as long as it lives. Prints `{connected}` once all answered 200, then, on SIGTERM,
 * `{bytes, events, lastIds}`: what they received in total and, per tail, the last event id (the
 * byte offset of the output it got to), so the benchmark can check every tail kept up. A process
 * of its own, so the tails' reading does not share a CPU queue with the load generator.
 */
function main(): void {
  const [url, countText] = process.argv.slice(2);
  const count = Number(countText);
  const lastIds: number[] = new Array<number>(count).fill(-1);
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
        // An id line cut by a chunk boundary is missed; the next event's id makes up for it.
        const at = chunk.lastIndexOf(ID_LINE);
        const end = at >= 0 ? chunk.indexOf(10, at + ID_LINE.length) : -1;
        if (end > 0) lastIds[i] = Number(chunk.subarray(at + ID_LINE.length, end).toString());
      });
    });
    req.on('error', (error) => {
      process.stderr.write(`tail ${i}: ${error.message}\n`);
      process.exit(1);
    });
    req.end();
  }
  process.on('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify({ bytes, events, lastIds })}\n`);
    process.exit(0);
  });
}

main();
