/**
 * Where the Generator tab sends: a stream on the run's Kinesis endpoint (with the run's credentials), or a
 * delivery stream the run emulates in this process (PutRecordBatch into its intake). A name is checked
 * before the send starts, so a typo is one clear message naming what exists rather than a run of failures.
 */
import { ListStreamsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createFirehoseClient, createKinesisClient } from '../../aws/clients';
import {
  createFirehoseSink,
  createKinesisSink,
  type RecordSink,
  type SinkFailure,
} from '../../generator/sinks';
import { localOverrides } from '../../local/emulators';
import {
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
} from '../../local/firehose-settings';
import type { LocalDeliveryStream } from '../../local/live';
import { putRecordBatchReliably } from '../../sinks/firehose';
import { putRecordsReliably } from '../../sinks/kinesis';

export interface SendTarget {
  kind: 'stream' | 'delivery-stream';
  name: string;
}

/** Where the run's emulators listen; undefined while not known. */
export interface SendEndpoints {
  kinesis?: string;
  /** A Firehose endpoint of the user's own (none by default: the run's delivery stream is in-process). */
  firehose?: string;
}

/** A target the send cannot use, said so that the page can show it as it is. */
export class TargetError extends Error {
  override name = 'TargetError';
}

export type SinkFactory = (target: SendTarget, endpoints: SendEndpoints) => RecordSink | Promise<RecordSink>;

const list = (names: readonly string[]): string =>
  names.length === 0 ? 'none' : names.map((name) => `"${name}"`).join(', ');

/** Every stream the endpoint holds (ListStreams, paged). */
export async function listStreams(client: Pick<KinesisClient, 'send'>): Promise<string[]> {
  const names: string[] = [];
  for (;;) {
    const page = await client.send(
      new ListStreamsCommand({ Limit: 100, ExclusiveStartStreamName: names.at(-1) }),
    );
    names.push(...(page.StreamNames ?? []));
    if (!page.HasMoreStreams || (page.StreamNames ?? []).length === 0) return names;
  }
}

/**
 * PutRecordBatch into an in-process delivery stream: batches cut at 500 records and 4 MiB; a record over
 * 1,000 KiB fails alone (ValidationException) instead of failing its whole batch, as a careful producer does.
 */
export function localDeliverySink(stream: LocalDeliveryStream): RecordSink {
  return {
    async send(batch) {
      const failed: SinkFailure[] = [];
      let chunk: { index: number; data: Uint8Array }[] = [];
      let bytes = 0;
      const flush = () => {
        if (chunk.length === 0) return;
        try {
          stream.put(chunk.map((entry) => entry.data));
        } catch (error) {
          const { name, message } = error as Error;
          for (const entry of chunk)
            failed.push({ index: entry.index, errorCode: name, errorMessage: message });
        }
        chunk = [];
        bytes = 0;
      };
      batch.forEach((record, index) => {
        const size = record.data.byteLength;
        if (size > FIREHOSE_MAX_RECORD_BYTES) {
          failed.push({
            index,
            errorCode: 'ValidationException',
            errorMessage: `the record is ${size} bytes; a Firehose record may hold at most ${FIREHOSE_MAX_RECORD_BYTES}`,
          });
          return;
        }
        if (chunk.length === PUT_RECORD_BATCH_MAX_RECORDS || bytes + size > PUT_RECORD_BATCH_MAX_BYTES)
          flush();
        chunk.push({ index, data: record.data });
        bytes += size;
      });
      flush();
      return { acknowledged: batch.length - failed.length, failed };
    },
    close: async () => undefined,
  };
}

/**
 * The senders of a run: to its in-process delivery streams, and through its own endpoints only (like the run,
 * the console never reaches AWS: without the endpoint it refuses, saying why, rather than fall back to the
 * SDK's credential chain, which could be a real account).
 */
export function runSinkFactory(deliveryStreams: () => readonly LocalDeliveryStream[]): SinkFactory {
  return async (target, endpoints) => {
    if (target.kind === 'delivery-stream') {
      const running = deliveryStreams();
      const stream = running.find((candidate) => candidate.name === target.name);
      if (stream?.sourceStream !== undefined) {
        throw new TargetError(
          `delivery stream "${target.name}" reads the stream "${stream.sourceStream}" (delivery.source: kinesis) ` +
            `and, like Firehose, takes no PutRecordBatch: send to the stream "${stream.sourceStream}", or set ` +
            'delivery.source: direct-put in pipeline.yml',
        );
      }
      if (stream) return localDeliverySink(stream);
      if (endpoints.firehose !== undefined) {
        const client = createFirehoseClient({ env: {}, overrides: localOverrides(endpoints.firehose) });
        return createFirehoseSink((records) => putRecordBatchReliably(client, target.name, records), {
          close: async () => client.destroy(),
        });
      }
      throw new TargetError(
        `delivery stream "${target.name}" not found: the delivery streams running in this kpipe local are ` +
          `${list(running.map((candidate) => candidate.name))}` +
          (running.length === 0 ? ' (the run has not started its delivery stream yet, or has ended)' : ''),
      );
    }
    if (endpoints.kinesis === undefined) {
      throw new TargetError(
        "this run's Kinesis emulator is not available (not started yet, or stopped at the end of the run): " +
          'send while the run goes, or give kpipe local --kinesis-endpoint of an emulator you run',
      );
    }
    const client = createKinesisClient({ env: {}, overrides: localOverrides(endpoints.kinesis) });
    try {
      const streams = await listStreams(client);
      if (!streams.includes(target.name)) {
        throw new TargetError(
          `stream "${target.name}" not found on the run's Kinesis endpoint ${endpoints.kinesis}: it holds ` +
            `${list(streams)}`,
        );
      }
    } catch (error) {
      client.destroy();
      if (error instanceof TargetError) throw error;
      throw new TargetError(
        `the run's Kinesis endpoint ${endpoints.kinesis} did not answer ListStreams (${(error as Error).message}): ` +
          'is the run still going?',
      );
    }
    return createKinesisSink((entries) => putRecordsReliably(client, { streamName: target.name }, entries), {
      close: async () => client.destroy(),
    });
  };
}

/** What the Generator tab offers: the streams on the run's endpoint and the delivery streams it runs. */
export async function listTargets(
  deliveryStreams: readonly LocalDeliveryStream[],
  endpoints: SendEndpoints,
): Promise<{ streams: string[]; deliveryStreams: { name: string; sourceStream?: string }[] }> {
  let streams: string[] = [];
  if (endpoints.kinesis !== undefined) {
    const client = createKinesisClient({ env: {}, overrides: localOverrides(endpoints.kinesis) });
    streams = await listStreams(client)
      .catch(() => [])
      .finally(() => client.destroy());
  }
  return {
    streams,
    deliveryStreams: deliveryStreams.map(({ name, sourceStream }) => ({
      name,
      ...(sourceStream !== undefined && { sourceStream }),
    })),
  };
}
