/**
 * The SDK's whole default credential chain (SSO, shared ini files, process, web identity, container and
 * instance metadata). `sls package` ships it as a file of its own beside the handler (lib/deploy/lazy-chunks.ts)
 * and lambda-credentials.ts loads it only when the environment holds no credentials: in Lambda it always does.
 */
export { defaultProvider } from '@aws-sdk/credential-provider-node';
