/**
 * `verifyJsonlLog`: check a hash-chained JSONL log (one file, or a rotated set in chain order) and
 * name the first line that was edited, removed, reordered or torn, and whether its checkpoints'
 * signatures hold. Never throws on bad input: an unreadable file is a verdict too.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describePublicKey, parsePublicKeyPem } from '../../identity/keys.js';
import { nodeSignatureBackend, verifyEd25519 } from '../../identity/signature-backend.js';
import { checkpointMessage, GENESIS_HASH, hashLine } from './chain.js';

export type JsonlLogFailure =
  /** The file could not be read. */
  | 'unreadable'
  /** A line is not a chain line (not JSON, no seq/prev, or torn by a crash mid-write). */
  | 'malformed_line'
  /** A line's bytes no longer match the hash its successor (or the checkpoint after it) recorded. */
  | 'line_edited'
  /** One or more sequence numbers are absent. */
  | 'line_missing'
  /** Sequence numbers out of order (a line moved or duplicated). */
  | 'line_reordered'
  /** The first line of a chain starting at seq 1 does not link to the genesis hash. */
  | 'chain_broken'
  /** A checkpoint's signature does not verify (or was made by another key than `publicKey`). */
  | 'checkpoint_invalid'
  /** `requireCheckpoint` was set and the log does not end with a checkpoint. */
  | 'checkpoint_missing';

export interface JsonlLogCheckpoint {
  readonly seq: number;
  readonly signer: string;
  readonly at: string;
  /** The signature verifies under the key written in the checkpoint line. */
  readonly valid: boolean;
  /** `publicKey` was given and is the key that signed. */
  readonly trusted: boolean;
}

export interface JsonlLogSummary {
  /** Lines read (events and checkpoints). */
  readonly lines: number;
  readonly events: number;
  /** seq of the first line (1 unless the files given start mid-chain, e.g. older segments deleted). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Hash of the last line: the running hash. */
  readonly head: string;
  /** The last checkpoint seen, if any. */
  readonly checkpoint: JsonlLogCheckpoint | null;
  /** Event lines after the last checkpoint (not covered by a signature). */
  readonly unsealedEvents: number;
}

/** Where the first failure is: file, 1-based line number in it, and the sequence numbers involved. */
export interface JsonlLogFailureDetails {
  readonly file: string;
  readonly line: number;
  readonly seq?: number;
  readonly expectedSeq?: number;
}

export type JsonlLogVerdict =
  | ({ readonly ok: true } & JsonlLogSummary)
  | ({
      readonly ok: false;
      readonly reason: JsonlLogFailure;
      readonly details: JsonlLogFailureDetails;
    } & JsonlLogSummary);

export interface VerifyJsonlLogOptions {
  /** The verifier's public key (PEM, KeyObject, or raw 32 bytes): checkpoints must be signed by it. */
  readonly publicKey?: string | KeyObject | Uint8Array;
  /** Fail with `checkpoint_missing` unless the log ends with a checkpoint line. */
  readonly requireCheckpoint?: boolean;
}

interface LineRecord {
  readonly file: number;
  readonly line: number;
  readonly seq: number;
  /** `prev` equals the hash of the line physically before it. */
  readonly linked: boolean;
  readonly checkpoint: boolean;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function rawKey(bytes: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

function toKey(key: string | KeyObject | Uint8Array): KeyObject {
  if (typeof key === 'string') return parsePublicKeyPem(key).key;
  if (key instanceof Uint8Array) return rawKey(key);
  return key;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ format: 'der', type: 'spki' }).equals(b.export({ format: 'der', type: 'spki' }));
}

/**
 * Verify a hash-chained JSONL log. `files` is one path or the rotated set in chain order (see
 * `listJsonlLogFiles`). Reports the first failure in chain order; a set that starts mid-chain (older
 * segments deleted) is anchored at its first line.
 */
export async function verifyJsonlLog(
  files: string | readonly string[],
  options: VerifyJsonlLogOptions = {},
): Promise<JsonlLogVerdict> {
  const paths = typeof files === 'string' ? [files] : [...files];
  let trustedKey: KeyObject | undefined;
  const records: LineRecord[] = [];
  let events = 0;
  let previousHash: string | undefined;
  let head = GENESIS_HASH;
  let checkpoint: JsonlLogCheckpoint | null = null;
  let unsealedEvents = 0;
  let firstFailure: { reason: JsonlLogFailure; details: JsonlLogFailureDetails; at: number } | undefined;
  const summary = (): JsonlLogSummary => ({
    lines: records.length,
    events,
    firstSeq: records[0]?.seq ?? 0,
    lastSeq: records.at(-1)?.seq ?? 0,
    head,
    checkpoint,
    unsealedEvents,
  });
  const fail = (reason: JsonlLogFailure, details: JsonlLogFailureDetails): JsonlLogVerdict => ({
    ok: false,
    reason,
    details,
    ...summary(),
  });
  try {
    if (options.publicKey !== undefined) trustedKey = toKey(options.publicKey);
  } catch {
    return fail('checkpoint_invalid', { file: paths[0] ?? '', line: 0 });
  }

  for (let f = 0; f < paths.length; f++) {
    const file = paths[f]!;
    let lineNo = 0;
    try {
      const lines = createInterface({
        input: createReadStream(file, { encoding: 'utf8' }),
        crlfDelay: Infinity,
      });
      for await (const text of lines) {
        lineNo++;
        let parsed: { seq?: unknown; prev?: unknown; event?: unknown; checkpoint?: unknown };
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          return fail('malformed_line', { file, line: lineNo });
        }
        const { seq, prev } = parsed;
        const isCheckpoint = parsed.checkpoint !== undefined;
        if (
          parsed === null ||
          typeof parsed !== 'object' ||
          typeof seq !== 'number' ||
          !Number.isSafeInteger(seq) ||
          seq < 1 ||
          typeof prev !== 'string' ||
          !/^[0-9a-f]{64}$/.test(prev) ||
          (isCheckpoint
            ? parsed.event !== undefined
            : typeof parsed.event !== 'object' || parsed.event === null)
        )
          return fail('malformed_line', { file, line: lineNo });
        const linked =
          previousHash === undefined ? seq !== 1 || prev === GENESIS_HASH : prev === previousHash;
        records.push({ file: f, line: lineNo, seq, linked, checkpoint: isCheckpoint });
        previousHash = hashLine(text);
        head = previousHash;
        if (isCheckpoint) {
          const cp = parsed.checkpoint as Record<string, unknown> | null;
          let valid = false;
          let trusted = false;
          let signer = '';
          let at = '';
          if (cp !== null && typeof cp === 'object') {
            signer = typeof cp['signer'] === 'string' ? cp['signer'] : '';
            at = typeof cp['at'] === 'string' ? cp['at'] : '';
            try {
              const embedded = rawKey(Buffer.from(String(cp['public_key']), 'base64'));
              const signature = Buffer.from(String(cp['signature']), 'base64');
              // The library's one Ed25519 rule (strict encodings), as for packets and attestations.
              // `valid`: the checkpoint is intact under the key it names; `trusted`: that key is
              // `publicKey`. With `publicKey`, an untrusted checkpoint fails the log either way.
              valid = verifyEd25519(
                nodeSignatureBackend,
                describePublicKey(embedded),
                checkpointMessage(seq, prev),
                signature,
              );
              trusted = valid && trustedKey !== undefined && sameKey(trustedKey, embedded);
            } catch {
              valid = false;
            }
          }
          checkpoint = { seq, signer, at, valid, trusted };
          unsealedEvents = 0;
          if ((!valid || (trustedKey !== undefined && !trusted)) && firstFailure === undefined)
            firstFailure = {
              reason: 'checkpoint_invalid',
              details: { file, line: lineNo, seq },
              at: records.length - 1,
            };
        } else {
          events++;
          unsealedEvents++;
        }
      }
    } catch {
      return fail('unreadable', { file, line: lineNo });
    }
  }

  // Chain order: the first record whose seq or link is wrong names the failure.
  const present = new Set<number>();
  for (const r of records) present.add(r.seq);
  for (let i = 0; i < records.length; i++) {
    if (firstFailure !== undefined && firstFailure.at < i) break;
    const r = records[i]!;
    const where = { file: paths[r.file]!, line: r.line, seq: r.seq };
    if (i === 0) {
      if (!r.linked) return fail('chain_broken', where);
      continue;
    }
    const expectedSeq = records[i - 1]!.seq + 1;
    if (r.seq !== expectedSeq) {
      // A swap (…2,4,3,5…) shows first as a jump; it is a reorder when the skipped seq exists later.
      const reason = r.seq < expectedSeq || present.has(expectedSeq) ? 'line_reordered' : 'line_missing';
      return fail(reason, { ...where, expectedSeq });
    }
    if (!r.linked) {
      // The predecessor's bytes changed after its successor recorded their hash.
      const p = records[i - 1]!;
      return fail('line_edited', { file: paths[p.file]!, line: p.line, seq: p.seq });
    }
  }
  if (firstFailure !== undefined) return fail(firstFailure.reason, firstFailure.details);
  if (options.requireCheckpoint === true && records.at(-1)?.checkpoint !== true) {
    const last = records.at(-1);
    return fail('checkpoint_missing', {
      file: paths[last?.file ?? paths.length - 1] ?? '',
      line: last?.line ?? 0,
      ...(last === undefined ? {} : { seq: last.seq }),
    });
  }
  return { ok: true, ...summary() };
}
