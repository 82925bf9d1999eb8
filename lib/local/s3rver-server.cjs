/**
 * s3rver in a child process of `kpipe local`: every PutObject/GetObject of the run (consumer objects,
 * Firehose objects, Parquet, the mirror) is parsed, hashed and written off kpipe's event loop. Usage:
 * node s3rver-server.cjs '<json options>'; prints `{"port":N}` once listening. Like kinesalite-server.cjs it
 * dies with its parent (stdin ends) and leaves Ctrl-C to the parent.
 */
const { bindLifetime } = require('./server-lifetime.cjs');
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2] || '{}');
const server = new S3rver({
  address: '127.0.0.1',
  port: options.port || 0,
  silent: true,
  directory: options.directory,
  configureBuckets: (options.buckets || []).map((name) => ({ name, configs: [] })),
});

bindLifetime(options.standalone, (done) => server.close().then(done, done));

server.run().then(
  ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  },
);
