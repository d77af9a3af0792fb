/**
 * `JsonlFileSink`: events appended to a hash-chained JSONL file by a background writer, with
 * size-based rotation and signed checkpoints. Line format: see `chain.ts` and docs/sinks.md.
 *
 * `write()` only serializes the event and queues it (drop newest and count when the queue is full,
 * see `../queue.ts`); the file is written on a later turn. `flush()` returns once everything accepted
 * before it is written and fsynced; `close()` flushes, seals the log with a checkpoint when an
 * identity is set, fsyncs and closes.
 */
import { open as openFileHandle, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigurationError } from '../../errors.js';
import type { TrustHandoffEvent } from '../../events/types.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { checkQueueOptions, DeliveryQueue, type RetryOptions, type SinkStats } from '../queue.js';
import { eventJson } from '../serialize.js';
import { checkpointLine, checkpointMessage, eventLine, GENESIS_HASH, hashLine } from './chain.js';

/** The file operations the sink needs; the default is a `node:fs` handle opened for append. */
export interface JsonlFile {
  write(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface JsonlFileSinkOptions {
  /** The active log file; rotated files are `<path>.1`, `<path>.2`, … (higher = newer). */
  readonly path: string;
  /** Rotate before a line would take the file past this many bytes (default 64 MiB, ≥ 4096). */
  readonly maxFileBytes?: number;
  /** Rotated files kept; older ones are deleted (default: keep all). An integer ≥ 1. */
  readonly maxFiles?: number;
  /** Signs a checkpoint at every rotation and at `close()`; `checkpoint()` needs it. */
  readonly identity?: AgentIdentity;
  /** Events held in memory waiting for the writer (default 10,000). */
  readonly maxQueueEvents?: number;
  /** Bytes of serialized events held in memory waiting for the writer (default 16 MiB). */
  readonly maxQueueBytes?: number;
  /** Wait this long after the first event of an idle queue before delivering, ms (default 5). */
  readonly lingerMs?: number;
  /** Largest serialized event accepted, bytes (default 64 KiB); larger ones are dropped and counted. */
  readonly maxEventBytes?: number;
  /** Events per file write (default 512). */
  readonly batchSize?: number;
  /** Retries of a failed file write (default 5 tries, 50 ms doubling to 2 s). */
  readonly retry?: Partial<RetryOptions>;
  /** How long `close()` waits for the queue to drain before counting the rest as failed (default 30 s). */
  readonly closeTimeoutMs?: number;
  /** Opens a file for append (default: `node:fs/promises` `open(path, 'a')`). */
  readonly openFile?: (path: string) => Promise<JsonlFile>;
  /** Clock for checkpoint times, epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

export interface JsonlFileSinkStats extends SinkStats {
  /** Lines in the chain so far (events and checkpoints, across rotations). */
  readonly seq: number;
  readonly rotations: number;
  readonly checkpoints: number;
}

const DEFAULTS = {
  maxFileBytes: 64 * 1024 * 1024,
  maxQueueEvents: 10_000,
  maxQueueBytes: 16 * 1024 * 1024,
  maxEventBytes: 64 * 1024,
  batchSize: 512,
  closeTimeoutMs: 30_000,
  retry: { maxAttempts: 5, initialDelayMs: 50, maxDelayMs: 2000 },
} as const;

// A previous run's last line is searched for in this much of the file's tail.
const TAIL_WINDOW = 4 * 1024 * 1024;

async function openForAppend(path: string): Promise<JsonlFile> {
  const handle = await openFileHandle(path, 'a');
  return {
    async write(data) {
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset);
        offset += bytesWritten;
      }
    },
    sync: () => handle.sync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  };
}

interface QueuedEvent {
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
}

interface OpenState {
  file: JsonlFile;
  size: number;
  seq: number;
  prev: string;
  /** Lines written since the last checkpoint. */
  unsealed: number;
  nextSegment: number;
}

/** Rotated segment numbers of `path`, ascending. */
async function segmentNumbers(path: string): Promise<number[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const numbers: number[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    if (/^[1-9][0-9]{0,8}$/.test(rest)) numbers.push(Number(rest));
  }
  return numbers.sort((a, b) => a - b);
}

/** The files of a rotated log in chain order: `<path>.1`, `<path>.2`, …, then `<path>` if present. */
export async function listJsonlLogFiles(path: string): Promise<string[]> {
  const files = (await segmentNumbers(path)).map((n) => `${path}.${n}`);
  try {
    await stat(path);
    files.push(path);
  } catch {
    // No active file (the log was rotated and never written again).
  }
  return files;
}

/** Where the chain of an existing file stops: last complete line's seq and hash. */
async function readTail(path: string): Promise<{ size: number; seq: number; prev: string; clean: boolean }> {
  let handle;
  try {
    handle = await openFileHandle(path, 'r');
  } catch {
    return { size: 0, seq: 0, prev: GENESIS_HASH, clean: true };
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return { size, seq: 0, prev: GENESIS_HASH, clean: true };
    const length = Math.min(size, TAIL_WINDOW);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const clean = buffer[length - 1] === 0x0a;
    const text = buffer.toString('utf8', 0, clean ? length - 1 : buffer.lastIndexOf(0x0a));
    const last = text.slice(text.lastIndexOf('\n') + 1);
    try {
      const parsed = JSON.parse(last) as { seq?: unknown };
      if (typeof parsed.seq === 'number' && Number.isSafeInteger(parsed.seq) && parsed.seq >= 1)
        return { size, seq: parsed.seq, prev: hashLine(last), clean };
    } catch {
      // Not a chain line: handled below.
    }
    return { size, seq: 0, prev: GENESIS_HASH, clean: false };
  } finally {
    await handle.close();
  }
}

export class JsonlFileSink {
  readonly path: string;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number | undefined;
  readonly #maxEventBytes: number;
  readonly #closeTimeoutMs: number;
  readonly #identity: AgentIdentity | undefined;
  readonly #openFile: (path: string) => Promise<JsonlFile>;
  readonly #now: () => number;
  readonly #queue: DeliveryQueue<QueuedEvent>;
  #state: OpenState | undefined;
  #io: Promise<unknown> = Promise.resolve();
  // How much of the batch being retried is already in the file (a write failed after a rotation).
  #partial: { first: QueuedEvent; count: number } | undefined;
  #rotations = 0;
  #checkpoints = 0;
  #closing: Promise<void> | undefined;

  constructor(options: JsonlFileSinkOptions) {
    if (options === null || typeof options !== 'object') throw new ConfigurationError('options required');
    if (typeof options.path !== 'string' || options.path.length === 0)
      throw new ConfigurationError('JsonlFileSink: path must be a non-empty string');
    const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
      if (value === undefined) return fallback;
      if (!Number.isSafeInteger(value) || value < min)
        throw new ConfigurationError(`JsonlFileSink: ${name} must be an integer >= ${min}`);
      return value;
    };
    this.path = options.path;
    this.#maxFileBytes = int('maxFileBytes', options.maxFileBytes, DEFAULTS.maxFileBytes, 4096);
    this.#maxFiles = options.maxFiles === undefined ? undefined : int('maxFiles', options.maxFiles, 0, 1);
    this.#maxEventBytes = int('maxEventBytes', options.maxEventBytes, DEFAULTS.maxEventBytes, 256);
    this.#closeTimeoutMs = int('closeTimeoutMs', options.closeTimeoutMs, DEFAULTS.closeTimeoutMs, 1);
    if (options.identity !== undefined && typeof options.identity?.sign !== 'function')
      throw new ConfigurationError('JsonlFileSink: identity must be an AgentIdentity');
    this.#identity = options.identity;
    if (options.openFile !== undefined && typeof options.openFile !== 'function')
      throw new ConfigurationError('JsonlFileSink: openFile must be a function');
    this.#openFile = options.openFile ?? openForAppend;
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new ConfigurationError('JsonlFileSink: now must be a function');
    this.#now = options.now ?? Date.now;
    const limits = {
      maxEvents: options.maxQueueEvents ?? DEFAULTS.maxQueueEvents,
      maxBytes: options.maxQueueBytes ?? DEFAULTS.maxQueueBytes,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      lingerMs: options.lingerMs ?? 5,
    };
    const retry = { ...DEFAULTS.retry, ...options.retry };
    checkQueueOptions('JsonlFileSink', limits, retry);
    this.#queue = new DeliveryQueue<QueuedEvent>({
      name: 'JsonlFileSink',
      limits,
      retry,
      deliver: (batch) => this.#exclusive(() => this.#append(batch)),
    });
  }

  get stats(): JsonlFileSinkStats {
    return {
      ...this.#queue.stats,
      seq: this.#state?.seq ?? 0,
      rotations: this.#rotations,
      checkpoints: this.#checkpoints,
    };
  }

  /** Queue one event; never waits, never throws. */
  write(event: TrustHandoffEvent): void {
    let json: string;
    try {
      json = eventJson(event);
    } catch {
      this.#queue.drop();
      return;
    }
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.#maxEventBytes) {
      this.#queue.drop();
      return;
    }
    this.#queue.offer({ json, bytes }, bytes);
  }

  /** Resolve once every event accepted before the call is written and fsynced. */
  async flush(): Promise<void> {
    await this.#queue.settle();
    await this.#exclusive(async () => {
      if (this.#state !== undefined) await this.#state.file.sync();
    });
  }

  /**
   * Flush, then append a checkpoint line signed by the identity over the running hash, and fsync.
   * Requires the `identity` option.
   */
  async checkpoint(): Promise<void> {
    if (this.#identity === undefined)
      throw new ConfigurationError('JsonlFileSink: checkpoint() needs the identity option');
    await this.#queue.settle();
    await this.#exclusive(async () => {
      const state = await this.#ensureOpen();
      await this.#writeCheckpoint(state);
      await state.file.sync();
    });
  }

  /**
   * Stop accepting events, write everything queued, seal the log with a signed checkpoint (when an
   * identity is set and lines were written since the last one), fsync and close the file.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    let failure: unknown;
    try {
      await this.#queue.close(this.#closeTimeoutMs);
    } catch (error) {
      failure = error;
    }
    await this.#exclusive(async () => {
      const state = this.#state;
      if (state === undefined) return;
      if (this.#identity !== undefined && state.unsealed > 0) await this.#writeCheckpoint(state);
      await state.file.sync();
      await state.file.close();
      this.#state = undefined;
    });
    if (failure instanceof Error) throw failure;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#io.then(fn, fn);
    this.#io = run.catch(() => undefined);
    return run;
  }

  async #ensureOpen(): Promise<OpenState> {
    if (this.#state !== undefined) return this.#state;
    const segments = await segmentNumbers(this.path);
    let nextSegment = (segments.at(-1) ?? 0) + 1;
    const tail = await readTail(this.path);
    let { seq, prev } = tail;
    const last = segments.at(-1);
    if (tail.size === 0 && last !== undefined) {
      // A fresh active file after a rotation: the chain continues from the newest segment.
      const previous = await readTail(`${this.path}.${last}`);
      if (previous.seq > 0) ({ seq, prev } = previous);
    }
    if (!tail.clean) {
      // A torn last line (a crash mid-write) or a file that is not ours: keep it untouched as a rotated
      // segment, so that verification reports it, and continue the chain from the last whole line.
      await rename(this.path, `${this.path}.${nextSegment}`);
      nextSegment++;
      if (tail.seq === 0) {
        seq = 0;
        prev = GENESIS_HASH;
      }
    }
    const file = await this.#openFile(this.path);
    this.#state = { file, size: tail.clean ? tail.size : 0, seq, prev, unsealed: 0, nextSegment };
    return this.#state;
  }

  async #append(batch: readonly QueuedEvent[]): Promise<void> {
    let written = 0;
    if (this.#partial !== undefined && this.#partial.first === batch[0]) written = this.#partial.count;
    this.#partial = undefined;
    const fail = (error: unknown): never => {
      this.#partial = written > 0 ? { first: batch[0]!, count: written } : undefined;
      throw error;
    };
    const state = await this.#ensureOpen();
    let chunk: string[] = [];
    let chunkBytes = 0;
    let chunkItems = 0;
    const mark = { seq: state.seq, prev: state.prev, unsealed: state.unsealed };
    const writeChunk = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const data = Buffer.from(chunk.join(''), 'utf8');
      try {
        await state.file.write(data);
      } catch (error) {
        // Undo the chain and cut a torn write off the file, so the retry writes the same lines again.
        state.seq = mark.seq;
        state.prev = mark.prev;
        state.unsealed = mark.unsealed;
        await state.file.truncate(state.size).catch(() => undefined);
        fail(error);
      }
      state.size += data.length;
      written += chunkItems;
      chunk = [];
      chunkBytes = 0;
      chunkItems = 0;
      mark.seq = state.seq;
      mark.prev = state.prev;
      mark.unsealed = state.unsealed;
    };
    for (let i = written; i < batch.length; i++) {
      const item = batch[i]!;
      const line = eventLine(state.seq + 1, state.prev, item.json);
      // Everything around the event is ASCII: its bytes are its characters.
      const lineBytes = line.length - item.json.length + item.bytes + 1;
      if (state.size + chunkBytes + lineBytes > this.#maxFileBytes && state.size + chunkBytes > 0) {
        await writeChunk();
        try {
          await this.#rotate(state);
        } catch (error) {
          // The handle may be closed or the file renamed: reopen (and recover the chain) on the retry.
          this.#state = undefined;
          fail(error);
        }
        i--;
        continue;
      }
      state.seq++;
      state.prev = hashLine(line);
      state.unsealed++;
      chunk.push(line, '\n');
      chunkBytes += lineBytes;
      chunkItems++;
    }
    await writeChunk();
  }

  async #writeCheckpoint(state: OpenState): Promise<void> {
    const identity = this.#identity!;
    const seq = state.seq + 1;
    const line = checkpointLine(seq, state.prev, {
      signer: identity.agentId,
      public_key: identity.publicKeyRaw.toString('base64'),
      at: new Date(this.#now()).toISOString(),
      signature: identity.sign(checkpointMessage(seq, state.prev)).toString('base64'),
    });
    const data = Buffer.from(`${line}\n`, 'utf8');
    try {
      await state.file.write(data);
    } catch (error) {
      await state.file.truncate(state.size).catch(() => undefined);
      throw error;
    }
    state.size += data.length;
    state.seq = seq;
    state.prev = hashLine(line);
    state.unsealed = 0;
    this.#checkpoints++;
  }

  async #rotate(state: OpenState): Promise<void> {
    if (this.#identity !== undefined && state.unsealed > 0) await this.#writeCheckpoint(state);
    await state.file.sync();
    await state.file.close();
    const segment = state.nextSegment;
    await rename(this.path, `${this.path}.${segment}`);
    state.nextSegment = segment + 1;
    this.#rotations++;
    if (this.#maxFiles !== undefined) {
      const segments = await segmentNumbers(this.path);
      for (const n of segments.slice(0, Math.max(0, segments.length - this.#maxFiles)))
        await rm(join(dirname(this.path), `${basename(this.path)}.${n}`), { force: true });
    }
    state.file = await this.#openFile(this.path);
    state.size = 0;
  }
}
