/**
 * Preloaded into every Damson process of a benchmark (`node --require`, via NODE_OPTIONS): turns on
 * the MongoDB driver's command monitoring and keeps a count of commands by process and kind
 * (`<process>: <command> <collection>`), written as JSON to $BENCH_MONGO_COUNTS_DIR/<pid>.json
 * every 200 ms and at exit. The driver is patched when a process first requires it, so a process
 * that never does (the supervisor) stays as lean as without the counter. Benchmark-only: Damson
 * itself never monitors commands.
 */
import { renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import type { MongoClient } from 'mongodb';

const dir = process.env.BENCH_MONGO_COUNTS_DIR;
const role = process.argv[2] ?? 'process';
const counts: Record<string, number> = Object.create(null) as Record<string, number>;

function watch(client: typeof MongoClient): void {
  const watched = new WeakSet<MongoClient>();
  const connect = client.prototype.connect;
  client.prototype.connect = function (this: MongoClient) {
    if (!watched.has(this)) {
      watched.add(this);
      // A setter of the driver's that its typings leave out.
      Reflect.set(this, 'monitorCommands', true);
      this.on('commandStarted', (event) => {
        const target: unknown = event.command[event.commandName];
        const kind = `${role}: ${event.commandName}${typeof target === 'string' ? ` ${target}` : ''}`;
        counts[kind] = (counts[kind] ?? 0) + 1;
      });
    }
    return connect.call(this);
  };
}

if (dir) {
  const file = path.join(dir, `${process.pid}.json`);
  // Written aside and renamed, so the benchmark never reads a half-written file.
  const flush = (): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  };
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  const load = proto.require;
  let patched = false;
  proto.require = function (this: unknown, id: string) {
    const exported = load.call(this, id);
    if (id === 'mongodb' && !patched) {
      patched = true;
      watch((exported as { MongoClient: typeof MongoClient }).MongoClient);
    }
    return exported;
  };
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
