// The AWS SDK warns once per process that Node 20 support is ending; Lambda runs nodejs22.x and the
// warning drowns test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Handlers invoked in-process print their metrics (EMF) to stdout, which buries test output; the tests of the
// metrics themselves (tests/unit/functions/metrics.test.ts) turn them back on and capture the lines.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
