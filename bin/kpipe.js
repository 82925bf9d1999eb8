#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `kpipe` works straight after `npm ci` with no build step.
require('tsx/cjs');
require('../lib/cli/main.ts').runCli();
