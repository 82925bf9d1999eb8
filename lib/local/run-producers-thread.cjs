/**
 * Entry of the producer worker thread (run-producers.ts' produceInThread). A worker does not inherit the
 * parent's require hooks, and kpipe runs as TypeScript through tsx (bin/kpipe.js), so it registers tsx
 * here and then loads the TypeScript entry.
 */
require('tsx/cjs');
require('./run-producers-thread.ts');
