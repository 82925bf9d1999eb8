/**
 * s3rver in a child process of `kpipe local`: every PutObject/GetObject of the run (consumer objects,
 * Firehose objects, Parquet, the mirror) is parsed, hashed and written off kpipe's event loop. Usage:
 * node s3rver-server.cjs '<json options>'; prints `{"port":N}` once listening. Like kinesalite-server.cjs it
 * dies with its parent (stdin ends) and leaves Ctrl-C to the parent.
 */
const { setTimeout } = require('node:timers');
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2] || '{}');
const server = new S3rver({
  address: '127.0.0.1',
  port: options.port || 0,
  silent: true,
  directory: options.directory,
  configureBuckets: (options.buckets || []).map((name) => ({ name, configs: [] })),
});

let closing = false;
function close() {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), 2000).unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(0),
  );
}

process.on('SIGTERM', close);
if (options.standalone) {
  // Started by hand (README: bring your own emulators): Ctrl-C stops it, stdin is not watched.
  process.on('SIGINT', close);
} else {
  process.on('SIGINT', () => undefined);
  process.stdin.on('end', close);
  process.stdin.on('close', close);
  process.stdin.resume();
}

server.run().then(
  ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  },
);
