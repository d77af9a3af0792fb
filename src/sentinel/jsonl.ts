/**
 * Reading event logs: JSONL files, plain (one event per line, SPEC §8) or hash-chained
 * (`{"seq":n,"prev":"<sha256 hex of the previous line>","event":{…}}`, plus non-event lines such as
 * a signed checkpoint that take part in the chain), and streams of events with sequence numbers.
 *
 * Memory stays bounded whatever the file: lines are split from the byte stream with a length cap
 * (a longer line is skipped and reported), and the chain check keeps only a window of recent hashes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { LogGap } from './types.js';

/** One line of a file, as read. */
export interface RawLine {
  /** 1-based. */
  readonly number: number;
  /** The line without its `\n` (and without a trailing `\r`); empty when `tooLong`. */
  readonly text: string;
  readonly tooLong: boolean;
  /** Bytes read so far, including this line. */
  readonly bytesRead: number;
}

/** Lines of a file, each at most `maxLineBytes` (longer lines come back as `tooLong`). */
export async function* readLines(path: string, maxLineBytes: number): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let number = 0;
  let bytesRead = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(0x0a, start);
      const end = newline === -1 ? buffer.length : newline;
      const piece = buffer.subarray(start, end);
      if (!skipping) {
        if (pendingBytes + piece.length > maxLineBytes) {
          skipping = true;
          pending = [];
          pendingBytes = 0;
        } else if (piece.length > 0) {
          pending.push(piece);
          pendingBytes += piece.length;
        }
      }
      if (newline === -1) {
        bytesRead += buffer.length - start;
        break;
      }
      bytesRead += newline + 1 - start;
      number++;
      yield line(number, pending, skipping, bytesRead);
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = newline + 1;
    }
  }
  if (skipping || pendingBytes > 0) yield line(number + 1, pending, skipping, bytesRead);
}

function line(number: number, pieces: Buffer[], tooLong: boolean, bytesRead: number): RawLine {
  let text = tooLong ? '' : Buffer.concat(pieces).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return { number, text, tooLong, bytesRead };
}

/** What a parsed line of a log holds. */
export type ParsedLine =
  | { readonly kind: 'event'; readonly event: Record<string, unknown> }
  | {
      readonly kind: 'chained';
      readonly seq: number;
      readonly prev: string;
      readonly event: Record<string, unknown> | null;
    }
  | { readonly kind: 'malformed'; readonly reason: 'invalid_json' | 'not_an_event' | 'line_too_long' };

/** Parse one line: a plain event, a hash-chained line (an event or another chain entry), or malformed. */
export function parseLogLine(raw: RawLine): ParsedLine {
  if (raw.tooLong) return { kind: 'malformed', reason: 'line_too_long' };
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch {
    return { kind: 'malformed', reason: 'invalid_json' };
  }
  if (!isObject(value)) return { kind: 'malformed', reason: 'not_an_event' };
  const seq = value['seq'];
  const prev = value['prev'];
  if (Number.isSafeInteger(seq) && typeof prev === 'string') {
    const event = value['event'];
    if (event !== undefined && !isEvent(event)) return { kind: 'malformed', reason: 'not_an_event' };
    return { kind: 'chained', seq: seq as number, prev, event: event === undefined ? null : event };
  }
  return isEvent(value) ? { kind: 'event', event: value } : { kind: 'malformed', reason: 'not_an_event' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An event needs at least a string `event_type`. */
export function isEvent(value: unknown): value is Record<string, unknown> {
  return isObject(value) && typeof value['event_type'] === 'string' && value['event_type'].length > 0;
}

/** SHA-256 (hex) of a line as the chain links it: its UTF-8 text without the newline. */
export function lineHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const GENESIS_HASH = '0'.repeat(64);

// Recent lines remembered by sequence number, so a reordered line's link is still checked.
const CHAIN_WINDOW = 4096;

interface Seen {
  readonly hash: string;
  readonly prev: string;
  readonly line: number;
  readonly verifier: string | null;
}

/**
 * The hash-chain check, one line at a time. This is the one place chain rules live (the JSONL sink's
 * own verifier can replace it without touching Sentinel). It reports:
 *   - `edited`: a line's hash differs from what the line after it recorded (named by the edited
 *     line's number — or that next line's `prev` was edited; both break the same link);
 *   - `missing`: a sequence number never appeared (named at the line where the sequence jumped);
 *   - `reordered`: a sequence number appeared after a later one;
 *   - `malformed`: an unreadable line or a plain event inside a chained log.
 */
export class ChainChecker {
  readonly #source: string;
  readonly #seen = new Map<number, Seen>();
  // Sequence numbers skipped so far → where the jump was seen; resolved as `reordered` if they turn up.
  readonly #skipped = new Map<number, { line: number; verifiers: string[] }>();
  readonly #editedLines = new Set<number>();
  #maxSeq: number | null = null;
  #lastVerifier: string | null = null;

  constructor(source: string) {
    this.#source = source;
  }

  /** Check one chained line; returns the gaps it reveals now (one per edited line, however found). */
  check(raw: RawLine, seq: number, prev: string, verifier: string | null): LogGap[] {
    const gaps = this.#checkLinks(raw, seq, prev, verifier);
    return gaps.filter((g) => {
      if (g.kind !== 'edited' || g.line === null) return true;
      if (this.#editedLines.has(g.line)) return false;
      if (this.#editedLines.size >= CHAIN_WINDOW) this.#editedLines.clear();
      this.#editedLines.add(g.line);
      return true;
    });
  }

  #checkLinks(raw: RawLine, seq: number, prev: string, verifier: string | null): LogGap[] {
    const gaps: LogGap[] = [];
    const hash = lineHash(raw.text);
    const verifiers = unique([this.#lastVerifier, verifier]);
    if (this.#maxSeq !== null && seq <= this.#maxSeq) {
      const wasSkipped = this.#skipped.get(seq);
      if (wasSkipped !== undefined) {
        this.#skipped.delete(seq);
        gaps.push(this.#gap('reordered', raw.number, null, seq, verifiers));
      } else {
        gaps.push(this.#gap('reordered', raw.number, this.#maxSeq + 1, seq, verifiers));
      }
    } else if (this.#maxSeq !== null && seq > this.#maxSeq + 1) {
      for (let s = this.#maxSeq + 1; s < seq && this.#skipped.size < CHAIN_WINDOW; s++)
        this.#skipped.set(s, { line: raw.number, verifiers });
    }
    // The first line of a chain links to the genesis hash (64 zeros), as the JSONL sink writes it.
    if (seq === 1 && prev !== GENESIS_HASH) gaps.push(this.#gap('edited', raw.number, 1, 1, verifiers));
    const before = this.#seen.get(seq - 1);
    if (before !== undefined && before.hash !== prev)
      gaps.push(this.#gap('edited', before.line, seq - 1, seq - 1, unique([before.verifier, verifier])));
    if (!this.#seen.has(seq)) {
      this.#seen.set(seq, { hash, prev, line: raw.number, verifier });
      if (this.#seen.size > CHAIN_WINDOW) this.#seen.delete(this.#seen.keys().next().value!);
    }
    // Reordered lines: the successor may have come first; check its link now.
    const after = this.#seen.get(seq + 1);
    if (after !== undefined && after.line < raw.number && after.prev !== hash)
      gaps.push(this.#gap('edited', raw.number, seq, seq, unique([verifier, after.verifier])));
    if (this.#maxSeq === null || seq > this.#maxSeq) this.#maxSeq = seq;
    if (verifier !== null) this.#lastVerifier = verifier;
    return gaps;
  }

  /** A line that breaks the chain without a sequence number (unreadable, or a plain event). */
  malformed(raw: RawLine, verifier: string | null): LogGap {
    return this.#gap(
      'malformed',
      raw.number,
      this.#maxSeq === null ? null : this.#maxSeq + 1,
      null,
      unique([this.#lastVerifier, verifier]),
    );
  }

  /** At the end of the log: sequence numbers that never appeared. */
  finish(): LogGap[] {
    const gaps: LogGap[] = [];
    for (const [seq, at] of this.#skipped) gaps.push(this.#gap('missing', at.line, seq, null, at.verifiers));
    this.#skipped.clear();
    return gaps;
  }

  #gap(
    kind: LogGap['kind'],
    line: number | null,
    expectedSeq: number | null,
    foundSeq: number | null,
    verifiers: string[],
  ): LogGap {
    return Object.freeze({
      source: this.#source,
      kind,
      line,
      expected_seq: expectedSeq,
      found_seq: foundSeq,
      verifier_ids: Object.freeze(verifiers),
    });
  }
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}
