/**
 * The hash-chained JSONL line format, shared by the writer ({@link JsonlFileSink}) and the verifier
 * ({@link verifyJsonlLog}). Written down in docs/sinks.md; other readers (Sentinel, the CLI) parse it
 * from there.
 *
 *   event line:       {"seq":<n>,"prev":"<64 hex>","event":{...}}
 *   checkpoint line:  {"seq":<n>,"prev":"<64 hex>","checkpoint":{"signer":"<agent id>",
 *                      "public_key":"<base64 raw Ed25519 key>","at":"<ISO 8601>","signature":"<base64>"}}
 *
 * `seq` starts at 1 and increases by one per line across rotated files; `prev` is the lowercase hex
 * SHA-256 of the previous line's UTF-8 bytes without its trailing "\n" (64 zeros for seq 1). A
 * checkpoint signs {@link checkpointMessage}: its own seq and prev, i.e. the running hash of every line
 * before it.
 */
import { hash } from 'node:crypto';

/** `prev` of the first line of a chain. */
export const GENESIS_HASH: string = '0'.repeat(64);

/** Domain-separation prefix of the bytes a checkpoint signs. */
export const CHECKPOINT_DOMAIN = 'trusthandoff-jsonl-checkpoint/v1';

/** Lowercase hex SHA-256 of one line (without its newline). */
export function hashLine(line: string): string {
  // One-shot hash: about half the cost of createHash().update().digest() for a line this size.
  return hash('sha256', line, 'hex');
}

/** The exact bytes a checkpoint's Ed25519 signature covers. */
export function checkpointMessage(seq: number, prev: string): Buffer {
  return Buffer.from(`${CHECKPOINT_DOMAIN}\n${seq}\n${prev}`, 'utf8');
}

/** One event line; `eventJson` is the event already serialized with `JSON.stringify`. */
export function eventLine(seq: number, prev: string, eventJson: string): string {
  return `{"seq":${seq},"prev":"${prev}","event":${eventJson}}`;
}

export interface CheckpointBody {
  readonly signer: string;
  readonly public_key: string;
  readonly at: string;
  readonly signature: string;
}

export function checkpointLine(seq: number, prev: string, body: CheckpointBody): string {
  return `{"seq":${seq},"prev":"${prev}","checkpoint":${JSON.stringify(body)}}`;
}
