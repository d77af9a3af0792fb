/**
 * Messages between a `WorkerSink` (the decision thread) and its worker thread. Events cross as their
 * JSON text, newline-joined per batch: one string per post is the cheapest thing to clone, and
 * `JSON.stringify` never writes a raw newline inside an event.
 */
import type { SinkStats } from '../queue.js';

/** A sink the worker builds: one of ours by name, or your module's factory. */
export type WorkerSinkSpec =
  | {
      readonly sink: 'jsonl';
      /**
       * `JsonlFileSinkOptions` without its functions (`openFile`, `now`) and without `identity`: give
       * `identityKeyFile` (a PKCS#8 PEM key file, read in the worker) to seal the log.
       */
      readonly options: Readonly<Record<string, unknown>> & { readonly path: string };
      readonly identityKeyFile?: string;
    }
  | {
      readonly sink: 'nats';
      /** `NatsJetStreamSinkOptions` with `servers` (a connection object cannot cross threads). */
      readonly options: Readonly<Record<string, unknown>> & { readonly servers: string | readonly string[] };
    }
  | {
      readonly sink: 'kafka';
      /** `KafkaSinkOptions` with `bootstrapBrokers` (a producer object cannot cross threads). */
      readonly options: Readonly<Record<string, unknown>>;
    }
  | {
      /** A module the worker imports (an absolute path, a file URL, or a package specifier). */
      readonly module: string;
      /** Its export: `(options) => EventSink | Promise<EventSink>` (default `createSink`). */
      readonly export?: string;
      /** Passed to the factory; must be structured-cloneable. */
      readonly options?: unknown;
    };

export interface NamedSinkStats extends SinkStats {
  readonly name: string;
}

export type ToWorker =
  | { readonly t: 'init'; readonly specs: readonly WorkerSinkSpec[] }
  | { readonly t: 'batch'; readonly id: number; readonly lines: string; readonly count: number }
  | { readonly t: 'flush'; readonly id: number }
  | { readonly t: 'close'; readonly id: number };

export type FromWorker =
  | { readonly t: 'ready'; readonly names: readonly string[] }
  | { readonly t: 'init_failed'; readonly message: string }
  | { readonly t: 'ack'; readonly id: number; readonly stats: readonly NamedSinkStats[] }
  | { readonly t: 'stats'; readonly stats: readonly NamedSinkStats[] }
  | {
      readonly t: 'done';
      readonly id: number;
      readonly stats: readonly NamedSinkStats[];
      /** Names of the sinks whose flush or close failed. */
      readonly failed: readonly string[];
    };
