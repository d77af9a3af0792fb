/**
 * The worker side of `WorkerSink`: builds the sinks it was given, and hands every event it receives
 * to each of them (their own bounded queues, retries and counters apply unchanged). Runs in a
 * `worker_threads` Worker; never imported by the decision thread.
 */
import { parentPort } from 'node:worker_threads';
import type { EventSink, TrustHandoffEvent } from '../../events/types.js';
import type { SinkStats } from '../queue.js';
import { rememberEventJson } from '../serialize.js';
import type { FromWorker, NamedSinkStats, ToWorker, WorkerSinkSpec } from './protocol.js';

type StatsSink = EventSink & { readonly stats?: SinkStats };

async function build(spec: WorkerSinkSpec): Promise<StatsSink> {
  if ('sink' in spec) {
    switch (spec.sink) {
      case 'jsonl': {
        const { JsonlFileSink } = await import('../jsonl/sink.js');
        const identity =
          spec.identityKeyFile === undefined
            ? undefined
            : await (await import('../../identity/load-identity.js')).loadIdentity(spec.identityKeyFile);
        const options = { ...spec.options } as unknown as import('../jsonl/sink.js').JsonlFileSinkOptions;
        return new JsonlFileSink(identity === undefined ? options : { ...options, identity });
      }
      case 'nats': {
        const { NatsJetStreamSink } = await import('../nats/sink.js');
        return new NatsJetStreamSink(spec.options);
      }
      case 'kafka': {
        const { KafkaSink } = await import('../kafka/sink.js');
        return new KafkaSink(spec.options);
      }
    }
  }
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const factory = mod[spec.export ?? 'createSink'];
  if (typeof factory !== 'function')
    throw new TypeError(`${spec.module} has no factory export ${spec.export ?? 'createSink'}`);
  const sink = (await (factory as (options: unknown) => unknown)(spec.options)) as StatsSink;
  if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function')
    throw new TypeError(`${spec.module}: the factory did not return an event sink`);
  return sink;
}

function nameOf(sink: StatsSink, index: number): string {
  return sink.name ?? `${sink.constructor.name}#${index}`;
}

if (parentPort === null) throw new Error('thread.ts runs only as a worker thread');
const port = parentPort;
let sinks: StatsSink[] = [];
let names: string[] = [];

const send = (message: FromWorker): void => {
  port.postMessage(message);
};
const statsOf = (): NamedSinkStats[] =>
  sinks.flatMap((s, i) => (s.stats === undefined ? [] : [{ name: names[i]!, ...s.stats }]));

/** Run `op` on every sink; the names of those that threw or rejected. */
async function everySink(op: (sink: StatsSink) => Promise<void> | undefined): Promise<string[]> {
  const results = await Promise.allSettled(sinks.map(async (s) => op(s)));
  return results.flatMap((r, i) => (r.status === 'rejected' ? [names[i]!] : []));
}

// Deliveries finish after the batch that carried them was acknowledged: report the sinks' counters
// a few times a second while they change, so the decision side's `stats` is never far behind.
let reported = '';
setInterval(() => {
  const stats = statsOf();
  const now = JSON.stringify(stats);
  if (now !== reported) {
    reported = now;
    send({ t: 'stats', stats });
  }
}, 200).unref();

// Messages that arrive while the sinks are being built wait for them, in arrival order.
let built: Promise<void> = Promise.resolve();

port.on('message', (message: ToWorker) => {
  if (message.t === 'init') {
    built = Promise.all(message.specs.map(build)).then(
      (made) => {
        sinks = made;
        names = made.map(nameOf);
        send({ t: 'ready', names });
      },
      (error: unknown) => {
        send({ t: 'init_failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return;
  }
  void built.then(() => {
    handle(message);
  });
});

function handle(message: Exclude<ToWorker, { t: 'init' }>): void {
  switch (message.t) {
    case 'batch': {
      for (const json of message.lines.split('\n')) {
        // The event was built and serialized by the hub on the decision thread; here it is read back
        // and its JSON remembered, so the sinks write the very same text without serializing again.
        const event = Object.freeze(JSON.parse(json) as TrustHandoffEvent);
        rememberEventJson(event, json);
        for (const sink of sinks) {
          try {
            void Promise.resolve(sink.write(event)).catch(() => undefined);
          } catch {
            // A sink that throws counts its own failure; the others still get the event.
          }
        }
      }
      send({ t: 'ack', id: message.id, stats: statsOf() });
      return;
    }
    case 'flush':
      void everySink((s) => s.flush?.()).then((failed) => {
        send({ t: 'done', id: message.id, stats: statsOf(), failed });
      });
      return;
    case 'close':
      void everySink((s) => s.close?.()).then((failed) => {
        send({ t: 'done', id: message.id, stats: statsOf(), failed });
        port.close();
      });
      return;
  }
}
