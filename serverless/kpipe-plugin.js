// The project's own serverless wiring, loaded from serverless.yml `plugins:` after serverless-esbuild.
//
// 1. Every command exits when it fails. serverless-esbuild keeps an `esbuild --service --ping` child
//    process for its build contexts and disposes them only in `after:invoke:local:invoke`, a hook that
//    does not run when the invocation throws (a cold-start error such as "BUCKET_NAME is not set"): the
//    child then keeps `sls invoke local` alive for ever (floydspace/serverless-esbuild#532). On the
//    `error` hook we stop esbuild's service ourselves, and an unref'd timer exits in case anything else
//    still holds the event loop.
// 2. The AWS SDK's NodeVersionSupportWarning is silenced for commands run here: it says SDK releases
//    published after January 2027 will need Node 22, which the versions pinned in package-lock.json do
//    not; Lambda runs nodejs22.x. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is the SDK's own switch
//    (@aws-sdk/core emitWarningIfUnsupportedVersion); a value set by the user wins.
// 3. `-f <name>` naming no function of the service lists those that exist, with "did you mean", before
//    anything else (serverless-esbuild included) looks the function up. Hence this plugin comes first.
const path = require('node:path');
const { setTimeout } = require('node:timers');

/** Time the error output gets to flush before a process still held open is ended. */
const EXIT_GRACE_MS = 2_000;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The esbuild copy serverless-esbuild uses (the one whose service child is running). */
function esbuildOfPlugin() {
  const pluginDir = path.dirname(require.resolve('serverless-esbuild/package.json'));
  return require(require.resolve('esbuild', { paths: [pluginDir] }));
}

/** Throws when `-f` names no function of the service; the message lists the functions there are. */
function checkFunctionName(serverless, name) {
  const functions = Object.keys(serverless.service.functions ?? {});
  if (name === undefined || functions.includes(name)) return;
  require('tsx/cjs');
  const { didYouMean } = require('../lib/text/suggest.ts');
  throw new serverless.classes.Error(
    `Function "${name}" does not exist in this service${didYouMean(name, functions)}. ` +
      `Its functions (those pipeline.yml enables): ${functions.join(', ')}`,
    'KPIPE_FUNCTION_MISSING',
  );
}

class KpipePlugin {
  constructor(serverless, options) {
    this.hooks = {
      initialize: async () => checkFunctionName(serverless, options.function),
      error: async () => {
        try {
          await esbuildOfPlugin().stop();
        } catch {
          // esbuild never started (the error came before bundling): nothing to stop.
        }
        setTimeout(() => process.exit(process.exitCode || 1), EXIT_GRACE_MS).unref();
      },
    };
  }
}

module.exports = KpipePlugin;
