/**
 * The emulated Lambda event source mapping for Kinesis (`kpipe local`): polls every shard of a stream on
 * kinesis-local (or any Kinesis endpoint the client points at) and calls an in-process handler with events
 * in Lambda's exact shape, with Lambda's batching, ordering, partial-failure, retry, bisect, record-age,
 * on-failure and tumbling-window semantics. Checkpoints persist to a
 * JSON file so a restart resumes where the last run stopped.
 *
 *   const mapping = new KinesisEventSourceMapping({ client, streamName, handler, ...pipeline.config.consumer,
 *     checkpointFile: '.local/checkpoints.json', deadLetterFile: '.local/consumer-dlq.jsonl' });
 *   mapping.on('batch', (report) => ...);
 *   await mapping.start();
 *   await mapping.drain();   // every shard caught up, every batch settled
 *   await mapping.stop();
 */
import { EventEmitter } from 'node:events';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DescribeStreamSummaryCommand, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { createLogger } from '../observability/logger';
import { CheckpointStore } from './checkpoints';
import { withDeadline } from './deadline';
import { parseStreamArn, withRecordData } from './esm-events';
import {
  resolveMappingOptions,
  type EventSourceMappingOptions,
  type MappingLogger,
  type ResolvedMappingOptions,
} from './esm-options';
import {
  emptyCounters,
  type DeadLetterReport,
  type MappingCounters,
  type MappingEvents,
  type MappingRuntime,
  sleepUnlessStopped,
} from './esm-runtime';
import { ShardPoller, type ShardStatus } from './esm-shard';

export type {
  MappingCounters,
  MappingEvents,
  BatchReport,
  DeadLetterReport,
  PollErrorReport,
  WindowReport,
} from './esm-runtime';
export type { ShardStatus } from './esm-shard';
export type { OnFailureRecord, FailureReason } from './esm-events';
export { FAILURE_REASONS } from './esm-events';
export {
  MAPPING_DEFAULTS,
  MappingOptionsError,
  type EventSourceMappingOptions,
  type KinesisBatchHandler,
  type KinesisWindowHandler,
  type KinesisWindowEvent,
  type MappingClock,
  type MappingLogger,
} from './esm-options';

export interface DrainOptions {
  /** Reject when not drained after this long (default: wait as long as it takes). */
  timeoutMs?: number;
}

interface DrainWaiter {
  generation: number;
  resolve: (counters: MappingCounters) => void;
  reject: (error: Error) => void;
  settled: boolean;
  /** Aborted once the waiter is settled, which cancels its timeout. */
  done: AbortController;
}

function powertoolsLogger(): MappingLogger {
  const logger = createLogger('event-source-mapping');
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

type MappingState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class KinesisEventSourceMapping extends EventEmitter<MappingEvents> {
  readonly options: ResolvedMappingOptions;
  private readonly logger: MappingLogger;
  private readonly controller = new AbortController();
  private readonly pollers = new Map<string, ShardPoller>();
  private readonly counterState = emptyCounters();
  private runtime: MappingRuntime | undefined;
  private state: MappingState = 'new';
  private drainGeneration = 0;
  private drainWaiters: DrainWaiter[] = [];
  private discovering: Promise<void> = Promise.resolve();
  private discoveriesPending = 0;
  private discoveryLoop: Promise<void> | undefined;
  private deadLetters: Promise<void> = Promise.resolve();
  private stopping: Promise<MappingCounters> | undefined;

  /** Validates the options (throws MappingOptionsError naming each bad one); nothing runs until start(). */
  constructor(options: EventSourceMappingOptions) {
    super();
    this.options = resolveMappingOptions(options);
    this.logger = this.options.logger ?? powertoolsLogger();
  }

  /** A snapshot of the counters. */
  get counters(): MappingCounters {
    let iteratorAgeMs = 0;
    let bufferedRecords = 0;
    for (const poller of this.pollers.values()) {
      if (!poller.finished) iteratorAgeMs = Math.max(iteratorAgeMs, poller.iteratorAgeMs);
      bufferedRecords += poller.bufferedRecords;
    }
    return {
      ...this.counterState,
      failureReasons: { ...this.counterState.failureReasons },
      iteratorAgeMs,
      bufferedRecords,
    };
  }

  status(): ShardStatus[] {
    return [...this.pollers.values()].map((poller) => poller.status());
  }

  /** ARN of the stream, known once started. */
  get streamArn(): string | undefined {
    return this.runtime?.streamArn;
  }

  /**
   * Describes the stream, loads the checkpoints and starts a poller per shard; resolves once every poller
   * holds its first iterator (so records put afterwards are seen, even with LATEST) or has reported a fault.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`event source mapping: start() called when ${this.state}`);
    this.state = 'starting';
    const { options } = this;
    let streamArn: string | undefined;
    try {
      const summary = await options.client.send(
        new DescribeStreamSummaryCommand({ StreamName: options.streamName }),
        {
          abortSignal: AbortSignal.timeout(options.requestTimeoutMs),
        },
      );
      streamArn = summary.StreamDescriptionSummary?.StreamARN;
    } catch (error) {
      this.state = 'stopped';
      throw new Error(
        `event source mapping: cannot describe stream "${options.streamName}": ${errorText(error)}`,
      );
    }
    if (!streamArn) throw new Error(`event source mapping: stream "${options.streamName}" has no ARN`);
    const { region, account } = parseStreamArn(streamArn);
    const checkpoints = new CheckpointStore({
      file: options.checkpointFile,
      streamArn,
      functionName: options.functionName,
      now: () => options.clock.now(),
      onWriteError: (error) => this.fault(error, 'checkpoint write failed'),
    });
    await checkpoints.load();
    if (options.deadLetterFile) await mkdir(dirname(options.deadLetterFile), { recursive: true });

    const generation = () => this.drainGeneration;
    this.runtime = {
      options,
      client: options.client,
      clock: options.clock,
      logger: this.logger,
      counters: this.counterState,
      signal: this.controller.signal,
      streamArn,
      functionArn:
        options.functionArn ?? `arn:aws:lambda:${region}:${account}:function:${options.functionName}`,
      awsRegion: region,
      invokeIdentityArn:
        options.invokeIdentityArn ?? `arn:aws:iam::${account}:role/kinesis-pipeline-consumer`,
      checkpoints,
      get drainGeneration() {
        return generation();
      },
      // EventEmitter's generic signature does not take a spread of a generic tuple.
      emit: (event, ...args) =>
        (this.emit as (name: string, ...values: unknown[]) => boolean)(event, ...args),
      deadLetter: (report) => this.deadLetter(report),
      changed: () => this.checkDrains(),
      shardFinished: (shardId) => this.shardFinished(shardId),
    };
    try {
      await this.discover(true);
    } catch (error) {
      await this.stop();
      throw new Error(
        `event source mapping: cannot list the shards of "${options.streamName}": ${errorText(error)}`,
      );
    }
    await Promise.all([...this.pollers.values()].map((poller) => poller.ready));
    this.state = 'running';
    if (options.shardDiscoveryIntervalMs > 0) this.discoveryLoop = this.discoverPeriodically();
    this.logger.info('event source mapping started', {
      stream: streamArn,
      shards: this.pollers.size,
      batchSize: options.batchSize,
      startingPosition: options.startingPosition,
      parallelizationFactor: options.parallelizationFactor,
    });
  }

  /**
   * Resolves (with the counters) when every shard has been read to its latest record after this call and
   * every batch read has settled (processed, or skipped to the on-failure destination), with checkpoints
   * and dead letters on disk. Open tumbling windows are not waited for.
   */
  drain(options: DrainOptions = {}): Promise<MappingCounters> {
    if (this.state !== 'running') {
      return Promise.reject(new Error(`event source mapping: drain() called when ${this.state}`));
    }
    this.drainGeneration += 1;
    const waiter: DrainWaiter = {
      generation: this.drainGeneration,
      resolve: () => undefined,
      reject: () => undefined,
      settled: false,
      done: new AbortController(),
    };
    const promise = new Promise<MappingCounters>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    this.drainWaiters.push(waiter);
    for (const poller of this.pollers.values()) poller.pollNow();
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      const signal = AbortSignal.any([this.controller.signal, waiter.done.signal]);
      void sleepUnlessStopped(this.options.clock, timeoutMs, signal).then(() => {
        if (waiter.settled || signal.aborted) return;
        const behind = this.status().filter((shard) => !shard.finished);
        this.settleWaiter(
          waiter,
          new Error(
            `event source mapping: not drained after ${timeoutMs} ms: ${behind
              .map(
                (shard) =>
                  `${shard.shardId} (${shard.bufferedRecords} buffered, ${shard.consecutiveErrors} consecutive errors)`,
              )
              .join(', ')}`,
          ),
        );
      });
    }
    this.checkDrains();
    return promise;
  }

  /** Stops polling, lets the batches in flight settle, writes checkpoints and dead letters; idempotent. */
  stop(): Promise<MappingCounters> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<MappingCounters> {
    this.state = 'stopping';
    this.controller.abort();
    await Promise.all([...this.pollers.values()].map((poller) => poller.stopped()));
    await this.discoveryLoop;
    await this.discovering.catch(() => undefined);
    await this.deadLetters;
    try {
      await this.runtime?.checkpoints.flush();
    } catch (error) {
      this.fault(error as Error, 'final checkpoint write failed');
    }
    for (const waiter of this.drainWaiters) {
      this.settleWaiter(waiter, new Error('event source mapping stopped before it was drained'));
    }
    this.state = 'stopped';
    this.logger.info('event source mapping stopped', { ...this.counters, failureReasons: undefined });
    return this.counters;
  }

  private fault(error: Error, context: string): void {
    this.logger.error(context, { error: errorText(error) });
    if (this.listenerCount('fault') > 0) this.emit('fault', error);
  }

  private async listShards(): Promise<Shard[]> {
    const { client, streamName, requestTimeoutMs } = this.options;
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const command = new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName });
      const response = await withDeadline(this.controller.signal, requestTimeoutMs, (abortSignal) =>
        client.send(command, { abortSignal }),
      );
      shards.push(...(response.Shards ?? []));
      token = response.NextToken;
    } while (token);
    return shards;
  }

  /** Serialised: starts a poller for each new shard whose parents are fully processed (or expired). */
  private discover(rethrow = false): Promise<void> {
    this.discoveriesPending += 1;
    const run = this.discovering.then(() => this.discoverOnce());
    this.discovering = run
      .catch((error: unknown) => {
        if (!this.controller.signal.aborted) {
          this.logger.warn('shard discovery failed; will try again', { error: errorText(error) });
        }
      })
      .finally(() => {
        this.discoveriesPending -= 1;
        this.checkDrains();
      });
    return rethrow ? run : this.discovering;
  }

  private async discoverOnce(): Promise<void> {
    const runtime = this.runtime!;
    if (this.controller.signal.aborted) return;
    const shards = await this.listShards();
    const listed = new Set(shards.map((shard) => shard.ShardId));
    const checkpoints = runtime.checkpoints;
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      if (this.pollers.has(shardId)) continue;
      const saved = checkpoints.get(shardId);
      if (saved?.shardEnd) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
        (parent): parent is string => parent !== undefined,
      );
      // Parents first (shard order across resharding); a parent no longer listed has expired.
      if (parents.some((parent) => listed.has(parent) && !checkpoints.get(parent)?.shardEnd)) continue;
      const processedParent = parents.some((parent) => checkpoints.get(parent)?.shardEnd === true);
      const poller = new ShardPoller(
        runtime,
        shardId,
        saved,
        ShardPoller.initialPosition(runtime, processedParent),
      );
      this.pollers.set(shardId, poller);
      this.counterState.shards += 1;
      poller.start();
      this.emit('shard', { shardId, state: 'started' });
    }
  }

  private async discoverPeriodically(): Promise<void> {
    const { clock, shardDiscoveryIntervalMs } = this.options;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      await sleepUnlessStopped(clock, shardDiscoveryIntervalMs, signal);
      if (!signal.aborted) await this.discover();
    }
  }

  private shardFinished(shardId: string): void {
    this.counterState.shards -= 1;
    this.emit('shard', { shardId, state: 'finished' });
    if (!this.controller.signal.aborted) void this.discover();
  }

  private async deadLetter(report: DeadLetterReport): Promise<void> {
    const { record, reason } = report;
    this.logger.warn('batch skipped to the on-failure destination', {
      condition: record.requestContext.condition,
      shardId: record.KinesisBatchInfo.shardId,
      startSequenceNumber: record.KinesisBatchInfo.startSequenceNumber,
      endSequenceNumber: record.KinesisBatchInfo.endSequenceNumber,
      batchSize: record.KinesisBatchInfo.batchSize,
      reason,
    });
    this.emit('dead-letter', report);
    const file = this.options.deadLetterFile;
    if (!file) return;
    const kept =
      this.options.deadLetterData && report.records ? withRecordData(record, report.records) : record;
    const line = `${JSON.stringify(kept)}\n`;
    this.deadLetters = this.deadLetters
      .then(() => appendFile(file, line, 'utf8'))
      .catch((error: unknown) =>
        this.fault(error as Error, `writing an on-failure record to ${file} failed`),
      );
    await this.deadLetters;
  }

  private isDrained(generation: number): boolean {
    if (this.state !== 'running' || this.discoveriesPending > 0) return false;
    for (const poller of this.pollers.values()) {
      if (poller.finished) continue;
      if (!poller.settled) return false;
      if (!poller.closed && poller.caughtUpGeneration < generation) return false;
    }
    return true;
  }

  private checkDrains(): void {
    for (const waiter of this.drainWaiters) {
      if (waiter.settled || !this.isDrained(waiter.generation)) continue;
      waiter.settled = true;
      void this.flushOutputs().then(
        () => {
          this.drainWaiters = this.drainWaiters.filter((other) => other !== waiter);
          waiter.done.abort();
          waiter.resolve(this.counters);
        },
        (error: unknown) => this.settleWaiter(waiter, error as Error, true),
      );
    }
  }

  private async flushOutputs(): Promise<void> {
    await this.deadLetters;
    await this.runtime?.checkpoints.flush();
  }

  private settleWaiter(waiter: DrainWaiter, error: Error, force = false): void {
    if (waiter.settled && !force) return;
    waiter.settled = true;
    this.drainWaiters = this.drainWaiters.filter((other) => other !== waiter);
    waiter.done.abort();
    waiter.reject(error);
  }
}
