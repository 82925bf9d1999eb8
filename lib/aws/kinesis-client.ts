/**
 * The Kinesis client's constructor, in a module of its own: `sls package` leaves it out of a function whose
 * pipeline.yml never makes it write to Kinesis (lib/deploy/sdk-clients.ts), and clients.ts builds it from here.
 */
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';

export const newKinesisClient = (config: KinesisClientConfig): KinesisClient => new KinesisClient(config);
