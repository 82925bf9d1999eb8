/**
 * How an emulator server script (kinesalite-server.cjs, s3rver-server.cjs) ends. Started by kpipe, it dies
 * with its parent (its stdin, kpipe's pipe, ends) and ignores a terminal Ctrl-C, which the parent handles
 * by draining first. Started by hand (`standalone`, README: bring your own emulators), Ctrl-C stops it.
 * `closeServer(done)` closes the server and calls `done`; a close that hangs must not keep an orphan alive.
 */
const { setTimeout } = require('node:timers');

/**
 * Calls `onEnd` once when stdin, a pipe from the parent, ends: the parent exited or was killed (SIGKILL
 * included, as the kernel closes its end of the pipe). No PID polling, no orphan.
 */
function watchParentPipe(onEnd) {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  process.stdin.on('end', end);
  process.stdin.on('close', end);
  process.stdin.on('error', end);
  process.stdin.resume();
}

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
    watchParentPipe(close);
  }
}

module.exports = { bindLifetime, watchParentPipe };
