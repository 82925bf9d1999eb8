/**
 * How an emulator server script (kinesalite-server.cjs, s3rver-server.cjs) ends. Started by kpipe, it dies
 * with its parent (its stdin, kpipe's pipe, ends) and ignores a terminal Ctrl-C, which the parent handles
 * by draining first. Started by hand (`standalone`, README: bring your own emulators), Ctrl-C stops it.
 * `closeServer(done)` closes the server and calls `done`; a close that hangs must not keep an orphan alive.
 */
const { setTimeout } = require('node:timers');

function bindLifetime(standalone, closeServer) {
  let closing = false;
  function close() {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(0), 2000).unref();
    closeServer(() => process.exit(0));
  }
  process.on('SIGTERM', close);
  if (standalone) {
    process.on('SIGINT', close);
  } else {
    process.on('SIGINT', () => undefined);
    process.stdin.on('end', close);
    process.stdin.on('close', close);
    process.stdin.resume();
  }
}

module.exports = { bindLifetime };
