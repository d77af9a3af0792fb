/**
 * `NatsJetStreamSink`: events published to a NATS JetStream stream with the maintained v3 client
 * (`@nats-io/jetstream`, and `@nats-io/transport-node` when the sink makes its own connection).
 *
 * Exactly-once into the stream: every message carries `Nats-Msg-Id` = the event's `event_id`, so a
 * batch retried after a lost ack (a dropped connection, a restarted server) is de-duplicated by the
 * server within the stream's duplicate window. Queueing, overflow (drop newest and count), retries
 * with backoff and counters: see `../queue.ts`.
 */
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import { ConfigurationError } from '../../errors.js';
import type { TrustHandoffEvent } from '../../events/types.js';
import { checkQueueOptions, DeliveryQueue, type RetryOptions, type SinkStats } from '../queue.js';
import { eventJson } from '../serialize.js';

/** The subset of a `NatsConnection` the sink uses (a connection made by `@nats-io/transport-node`). */
export interface NatsConnectionLike {
  close(): Promise<void>;
  isClosed(): boolean;
}

export interface NatsJetStreamSinkOptions {
  /**
   * Server URL(s) the sink connects to itself (needs `@nats-io/transport-node`); it reconnects
   * forever and closes the connection on `close()`. Give this or `connection`.
   */
  readonly servers?: string | readonly string[];
  /** A connection you made and own (the sink never closes it). Give this or `servers`. */
  readonly connection?: NatsConnectionLike;
  /** Stream name (default `TRUSTHANDOFF_EVENTS`). */
  readonly stream?: string;
  /** Subjects are `<subjectPrefix>.<event_type>` (default `trusthandoff.events`). */
  readonly subjectPrefix?: string;
  /**
   * Create the stream (subjects `<subjectPrefix>.>`, file storage) when it does not exist (default
   * true). An existing stream is used as it is.
   */
  readonly createStream?: boolean;
  /** Duplicate window of a stream the sink creates, ms (default 2 minutes; the server's default). */
  readonly duplicateWindowMs?: number;
  /** Wait for one publish ack, ms (default 5000). */
  readonly publishTimeoutMs?: number;
  /** Body of each message (default: the event's JSON). Return a string or bytes. */
  readonly serialize?: (event: TrustHandoffEvent) => string | Uint8Array;
  readonly maxQueueEvents?: number;
  readonly maxQueueBytes?: number;
  /** Wait this long after the first event of an idle queue before delivering, ms (default 2). */
  readonly lingerMs?: number;
  /** Messages published concurrently per batch (default 256). */
  readonly batchSize?: number;
  /** Default: retry until close (Infinity tries), 100 ms doubling to 5 s. */
  readonly retry?: Partial<RetryOptions>;
  /** How long `close()` waits for the queue to drain (default 30 s). */
  readonly closeTimeoutMs?: number;
}

export interface NatsJetStreamSinkStats extends SinkStats {
  /** Publishes the server acknowledged as duplicates (a retried message it already had). */
  readonly duplicates: number;
}

interface Message {
  readonly id: string;
  readonly subject: string;
  readonly body: Uint8Array;
}

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
// The server writes its pub ack as `{"stream":"S", "seq":1, "duplicate": true}`.
const DUPLICATE = /"duplicate"\s*:\s*true/;
const STREAM_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export class NatsJetStreamSink {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly #servers: readonly string[] | undefined;
  readonly #connection: NatsConnectionLike | undefined;
  readonly #createStream: boolean;
  readonly #duplicateWindowMs: number;
  readonly #publishTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #serialize: (event: TrustHandoffEvent) => string | Uint8Array;
  readonly #queue: DeliveryQueue<Message>;
  #ready: Promise<Publisher> | undefined;
  #ownConnection: NatsConnectionLike | undefined;
  #duplicates = 0;
  #closing: Promise<void> | undefined;
  readonly #encoder = new TextEncoder();

  constructor(options: NatsJetStreamSinkOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('NatsJetStreamSink: options required');
    const { servers, connection } = options;
    if ((servers === undefined) === (connection === undefined))
      throw new ConfigurationError('NatsJetStreamSink: give exactly one of servers or connection');
    if (servers !== undefined) {
      const list = typeof servers === 'string' ? [servers] : [...servers];
      if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0))
        throw new ConfigurationError('NatsJetStreamSink: servers must be non-empty strings');
      this.#servers = list;
    }
    if (connection !== undefined && (connection === null || typeof connection.close !== 'function'))
      throw new ConfigurationError('NatsJetStreamSink: connection must be a NatsConnection');
    this.#connection = connection;
    this.stream = options.stream ?? 'TRUSTHANDOFF_EVENTS';
    if (!STREAM_NAME.test(this.stream))
      throw new ConfigurationError('NatsJetStreamSink: stream must match [A-Za-z0-9_-]{1,255}');
    this.subjectPrefix = options.subjectPrefix ?? 'trusthandoff.events';
    if (!SUBJECT_TOKEN.test(this.subjectPrefix))
      throw new ConfigurationError('NatsJetStreamSink: subjectPrefix must be dot-separated tokens');
    this.#createStream = options.createStream ?? true;
    const ms = (name: string, value: number | undefined, fallback: number): number => {
      if (value === undefined) return fallback;
      if (!Number.isSafeInteger(value) || value < 1 || value > 86_400_000)
        throw new ConfigurationError(`NatsJetStreamSink: ${name} must be an integer in [1, 86400000]`);
      return value;
    };
    this.#duplicateWindowMs = ms('duplicateWindowMs', options.duplicateWindowMs, 120_000);
    this.#publishTimeoutMs = ms('publishTimeoutMs', options.publishTimeoutMs, 5000);
    this.#closeTimeoutMs = ms('closeTimeoutMs', options.closeTimeoutMs, 30_000);
    if (options.serialize !== undefined && typeof options.serialize !== 'function')
      throw new ConfigurationError('NatsJetStreamSink: serialize must be a function');
    this.#serialize = options.serialize ?? eventJson;
    const limits = {
      maxEvents: options.maxQueueEvents ?? 10_000,
      maxBytes: options.maxQueueBytes ?? 16 * 1024 * 1024,
      batchSize: options.batchSize ?? 256,
      lingerMs: options.lingerMs ?? 2,
    };
    const retry = { maxAttempts: Infinity, initialDelayMs: 100, maxDelayMs: 5000, ...options.retry };
    checkQueueOptions('NatsJetStreamSink', limits, retry);
    this.#queue = new DeliveryQueue<Message>({
      name: 'NatsJetStreamSink',
      limits,
      retry,
      deliver: (batch) => this.#publish(batch),
    });
  }

  get stats(): NatsJetStreamSinkStats {
    return { ...this.#queue.stats, duplicates: this.#duplicates };
  }

  /** Queue one event; never waits, never throws. */
  write(event: TrustHandoffEvent): void {
    let body: Uint8Array;
    let id: unknown;
    let type: unknown;
    try {
      id = event.event_id;
      type = event.event_type;
      const serialized = this.#serialize(event);
      body = typeof serialized === 'string' ? this.#encoder.encode(serialized) : serialized;
    } catch {
      this.#queue.drop();
      return;
    }
    if (typeof id !== 'string' || id.length === 0 || typeof type !== 'string' || !SUBJECT_TOKEN.test(type)) {
      this.#queue.drop();
      return;
    }
    this.#queue.offer({ id, subject: `${this.subjectPrefix}.${type}`, body }, body.length + id.length + 64);
  }

  /** Resolve once every event accepted before the call is acknowledged by the stream. */
  flush(): Promise<void> {
    return this.#queue.settle();
  }

  /** Flush (at most `closeTimeoutMs`), then close the connection the sink made. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#queue.close(this.#closeTimeoutMs);
      } finally {
        (await this.#ready?.catch(() => undefined))?.close();
        const own = this.#ownConnection;
        if (own !== undefined && !own.isClosed()) await own.close();
      }
    })();
    return this.#closing;
  }

  #connect(): Promise<Publisher> {
    this.#ready ??= (async () => {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const core = await import('@nats-io/nats-core');
      let nc = this.#connection;
      if (nc === undefined) {
        const { connect } = await import('@nats-io/transport-node');
        const own = await connect({
          servers: [...this.#servers!],
          // An audit trail outlives a server restart: reconnect forever; the queue bounds memory.
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          name: 'trusthandoff-events',
        });
        this.#ownConnection = own;
        nc = own;
      }
      const conn = nc as NatsConnection;
      if (this.#createStream) await this.#ensureStream(await jetstreamManager(conn));
      return new Publisher(conn, core.createInbox(), core.headers, this.#publishTimeoutMs, () => {
        this.#duplicates++;
      });
    })().catch((error: unknown) => {
      // Try again on the next batch (the server may come up later).
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #ensureStream(jsm: JetStreamManager): Promise<void> {
    try {
      await jsm.streams.info(this.stream);
      return;
    } catch (error) {
      const { JetStreamApiError } = await import('@nats-io/jetstream');
      // 10059: stream not found; anything else (no JetStream, no permission, timeout) is a failure.
      if (!(error instanceof JetStreamApiError) || error.code !== 10059) throw error;
    }
    const config: Partial<StreamConfig> & { name: string } = {
      name: this.stream,
      subjects: [`${this.subjectPrefix}.>`],
      duplicate_window: this.#duplicateWindowMs * 1_000_000,
    };
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Another instance created it meanwhile.
      await jsm.streams.info(this.stream).catch(() => {
        throw error;
      });
    }
  }

  async #publish(batch: readonly Message[]): Promise<void> {
    const publisher = await this.#connect();
    await publisher.publish(batch);
  }
}

interface PendingBatch {
  readonly acked: Uint8Array;
  remaining: number;
  failure: Error | undefined;
  readonly settle: (failure: Error | undefined) => void;
}

/**
 * JetStream publishing with asynchronous acks: every message of a batch is published with its own
 * reply subject under one inbox subscription, and one timer guards the whole batch. Same guarantees
 * as awaiting `js.publish` message by message (each message is stored once it is acked, `Nats-Msg-Id`
 * de-duplicates a resend), at a fraction of the per-message cost (no request, promise and timer each).
 */
class Publisher {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #headers: () => MsgHdrs;
  readonly #timeoutMs: number;
  readonly #onDuplicate: () => void;
  readonly #pending = new Map<number, PendingBatch>();
  readonly #decoder = new TextDecoder();
  #subscription: Subscription | undefined;
  #batchId = 0;

  constructor(
    nc: NatsConnection,
    inbox: string,
    headers: () => MsgHdrs,
    timeoutMs: number,
    onDuplicate: () => void,
  ) {
    this.#nc = nc;
    this.#inbox = inbox;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
    this.#onDuplicate = onDuplicate;
  }

  publish(batch: readonly Message[]): Promise<void> {
    this.#subscription ??= this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (_error, msg) => {
        this.#ack(msg);
      },
    });
    const id = ++this.#batchId;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        state.settle(
          new Error(`JetStream: ${state.remaining} publish ack(s) missing after ${this.#timeoutMs} ms`),
        );
      }, this.#timeoutMs);
      const state: PendingBatch = {
        acked: new Uint8Array(batch.length),
        remaining: batch.length,
        failure: undefined,
        settle: (failure) => {
          if (!this.#pending.delete(id)) return;
          clearTimeout(timer);
          if (failure === undefined) resolve();
          else reject(failure);
        },
      };
      this.#pending.set(id, state);
      try {
        for (let i = 0; i < batch.length; i++) {
          const m = batch[i]!;
          const h = this.#headers();
          h.set('Nats-Msg-Id', m.id);
          this.#nc.publish(m.subject, m.body, { headers: h, reply: `${this.#inbox}.${id}_${i}` });
        }
      } catch (error) {
        state.settle(error instanceof Error ? error : new Error('publish failed'));
      }
    });
  }

  /** Stop listening for acks (the connection may be the caller's and stay open). */
  close(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  #ack(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const sep = token.indexOf('_');
    const state = this.#pending.get(Number(token.slice(0, sep)));
    const index = Number(token.slice(sep + 1));
    // A late ack of a batch that already timed out (and will be resent, de-duplicated): ignore.
    if (state === undefined || !(index >= 0 && index < state.acked.length) || state.acked[index] === 1)
      return;
    state.acked[index] = 1;
    state.remaining--;
    if (msg.headers?.hasError === true) {
      // 503: no stream listens on the subject (no responders).
      state.failure ??= new Error(`JetStream: ${msg.headers.code} ${msg.headers.description}`);
    } else {
      const text = this.#decoder.decode(msg.data);
      if (text.includes('"error"'))
        state.failure ??= new Error(`JetStream: publish refused: ${text.slice(0, 200)}`);
      else if (DUPLICATE.test(text)) this.#onDuplicate();
    }
    if (state.remaining === 0) state.settle(state.failure);
  }
}
