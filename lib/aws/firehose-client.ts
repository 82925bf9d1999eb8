/**
 * The Firehose client's constructor, in a module of its own: `sls package` leaves it out of a function whose
 * pipeline.yml never makes it write to Firehose (lib/deploy/sdk-clients.ts), and clients.ts builds it from here.
 */
import { FirehoseClient, type FirehoseClientConfig } from '@aws-sdk/client-firehose';

export const newFirehoseClient = (config: FirehoseClientConfig): FirehoseClient => new FirehoseClient(config);
