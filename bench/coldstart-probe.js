// One cold start, in a fresh `node` process started by coldstart.bench.ts with the function's folder as its
// working directory (Lambda's task root): require() the handler, then its first invocation on the sample
// event. Prints one JSON line: { requireMs, invokeMs, cpuMs, lazy, result }: cpuMs is the process's CPU time over
// both (user + system), which a loaded machine inflates less than wall time; lazy, the files of the bundle's
// lazy folder (lib/deploy/lazy-chunks.ts) they loaded.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

async function main() {
  const [handlerFile, eventFile] = process.argv.slice(2);
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const context = {
    functionName: 'coldstart',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:coldstart',
    memoryLimitInMB: '512',
    awsRequestId: 'coldstart-request',
    getRemainingTimeInMillis: () => 60_000,
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const { handler } = require(resolve(handlerFile));
  const loaded = process.hrtime.bigint();
  const result = await handler(event, context);
  const invoked = process.hrtime.bigint();
  const used = process.cpuUsage(cpu);
  const ms = (from, to) => Number(to - from) / 1e6;
  const lazy = Object.keys(require.cache)
    .filter((file) => /[\\/]lazy[\\/]/.test(file))
    .map((file) => file.split(/[\\/]/).pop());
  const measured = {
    requireMs: ms(start, loaded),
    invokeMs: ms(loaded, invoked),
    cpuMs: (used.user + used.system) / 1000,
    lazy,
    result,
  };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
