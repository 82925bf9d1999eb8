/**
 * s3rver in a child process of `kpipe local`: every PutObject/GetObject of the run (consumer objects,
 * Firehose objects, Parquet, the mirror) is parsed, hashed and written off kpipe's event loop. Usage:
 * node s3rver-server.cjs '<json options>'; prints `{"port":N}` once listening. Like kinesalite-server.cjs it
 * dies with its parent (stdin ends) and leaves Ctrl-C to the parent.
 */
const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const { bindLifetime } = require('./server-lifetime.cjs');

// s3rver 3.7.1 builds ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+) keeps in
// its legacy provider: every listing of more than MaxKeys objects (1,000 by default) answered InternalError,
// so a long run could not mirror its bucket. Three-key DES with the key repeated is single DES, same bytes
// out, and OpenSSL 3 still has it; the tokens are s3rver's own, opaque to clients.
const tripleKey = (key) => Buffer.concat([key, key, key]);
const { createCipheriv, createDecipheriv } = crypto;
crypto.createCipheriv = (algorithm, key, iv, options) =>
  algorithm === 'des'
    ? createCipheriv('des-ede3-cbc', tripleKey(key), iv, options)
    : createCipheriv(algorithm, key, iv, options);
crypto.createDecipheriv = (algorithm, key, iv, options) =>
  algorithm === 'des'
    ? createDecipheriv('des-ede3-cbc', tripleKey(key), iv, options)
    : createDecipheriv(algorithm, key, iv, options);
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
