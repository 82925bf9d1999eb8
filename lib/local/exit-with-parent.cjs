/**
 * Preloaded (`node -r`) into an emulator that has no parent watch of its own (kinesis-mock's main.js): its
 * stdin is a pipe from kpipe, and when that ends (kpipe exited or was killed, SIGKILL included) the emulator
 * gets SIGTERM, as a stop would send, and exits within 2 s regardless.
 */
const { setTimeout } = require('node:timers');
const { watchParentPipe } = require('./server-lifetime.cjs');

watchParentPipe(() => {
  setTimeout(() => process.exit(0), 2000).unref();
  process.kill(process.pid, 'SIGTERM');
});
