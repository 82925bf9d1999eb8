// The AWS SDK warns once per process that Node 20 support is ending; Lambda runs nodejs22.x and the
// warning drowns test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
