/**
 * A framework-neutral node wrapper (SPEC §6 "framework adapter"): run a node or tool function and
 * return its result together with a signed attestation. Framework integrations build on this.
 */
import { ConfigurationError, MissingPacketIDError } from '../errors.js';
import type { OutcomeEncoding } from '../wire/canonical.js';
import { createAttestation } from './create.js';
import type { AttestationSigner, ExecutionAttestation } from './types.js';

/** What a throwing node's attested result looks like (the reference's shape). */
export interface NodeErrorResult {
  readonly error: string;
  readonly error_type: string;
}

/** The reason attached to the `ERROR` attestation of a throwing node. */
export interface NodeErrorReason {
  readonly node_error: true;
}

/** A node's output: the result and its attestation. `reason` is present exactly when the attestation has one. */
export type NodeOutput<R extends object = Record<string, unknown>> =
  | { readonly result: R; readonly attestation: ExecutionAttestation }
  | {
      readonly result: NodeErrorResult;
      readonly attestation: ExecutionAttestation;
      readonly reason: NodeErrorReason;
    };

export interface WrapNodeOptions<A extends readonly unknown[]> {
  /** The executing agent's signer, usually its {@link AgentIdentity}. */
  readonly identity: AttestationSigner;
  /**
   * Where the packet id comes from. Default: the `packetIdKey` property of the first argument (the
   * reference's `state["packet_id"]`). A function gets the node's arguments.
   */
  readonly packetId?: (...args: A) => string | null | undefined;
  /** The property read by the default `packetId` (default `packet_id`). */
  readonly packetIdKey?: string;
  /** Clock for attestation timestamps, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** Longest error message put in an `ERROR` result, in characters (default 1,024). */
  readonly maxErrorMessageLength?: number;
  /**
   * `'decimals-v1'` to attest results with decimals (SPEC §10.6; the Python 0.4.0 reference cannot
   * verify those). Default `'reference'`: a result with a decimal rejects the call with a
   * CanonicalizationError naming its path.
   */
  readonly outcomeEncoding?: OutcomeEncoding;
}

const NODE_ERROR_REASON: NodeErrorReason = Object.freeze({ node_error: true });
const MAX_ERROR_TYPE_LENGTH = 128;

/**
 * Wrap `fn` so that every call resolves to `{result, attestation}`:
 *  - `fn` returns → an `OK` attestation over the result. A result that cannot be attested (not a plain
 *    object, a float, a reserved key, > 256 KiB) rejects the call with the typed error: an unattested
 *    result is never returned.
 *  - `fn` throws → an `ERROR` attestation over `{error, error_type}` with reason `{node_error: true}`,
 *    and the output carries that `reason` so a verifier can check `reason_hash`.
 *  - no packet id → rejects with {@link MissingPacketIDError} before `fn` runs.
 * Options are checked here, once, not per call.
 */
export function wrapNode<A extends readonly unknown[], R extends object>(
  fn: (...args: A) => R | PromiseLike<R>,
  options: WrapNodeOptions<A>,
): (...args: A) => Promise<NodeOutput<R>> {
  if (typeof fn !== 'function') throw new ConfigurationError('wrapNode needs a function');
  const signer = options?.identity;
  if (signer === undefined || typeof signer.sign !== 'function' || typeof signer.agentId !== 'string') {
    throw new ConfigurationError('wrapNode needs an identity that can sign');
  }
  const packetIdKey = options.packetIdKey ?? 'packet_id';
  const packetIdOf: (...args: A) => string | null | undefined =
    options.packetId ?? ((...args: A) => readPacketId(args[0], packetIdKey));
  const now = options.now ?? Date.now;
  const maxMessage = options.maxErrorMessageLength ?? 1024;
  if (!Number.isSafeInteger(maxMessage) || maxMessage < 0) {
    throw new ConfigurationError('maxErrorMessageLength must be a non-negative integer');
  }
  const outcomeEncoding = options.outcomeEncoding ?? 'reference';
  if (outcomeEncoding !== 'reference' && outcomeEncoding !== 'decimals-v1') {
    throw new ConfigurationError("outcomeEncoding must be 'reference' or 'decimals-v1'");
  }

  return async function attestedNode(...args: A): Promise<NodeOutput<R>> {
    const packetId = packetIdOf(...args);
    if (typeof packetId !== 'string' || packetId.length === 0) {
      throw new MissingPacketIDError(`no packet id (expected a non-empty string in ${packetIdKey})`);
    }
    let result: R;
    try {
      result = await fn(...args);
    } catch (error) {
      const errorResult: NodeErrorResult = Object.freeze({
        error: describeError(error, maxMessage),
        error_type: errorType(error),
      });
      const attestation = createAttestation({
        packetId,
        result: errorResult,
        signer,
        status: 'ERROR',
        reason: NODE_ERROR_REASON,
        timestampMs: now(),
        outcomeEncoding,
      });
      return Object.freeze({ result: errorResult, attestation, reason: NODE_ERROR_REASON });
    }
    const attestation = createAttestation({
      packetId,
      result,
      signer,
      status: 'OK',
      timestampMs: now(),
      outcomeEncoding,
    });
    return Object.freeze({ result, attestation });
  };
}

function readPacketId(state: unknown, key: string): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const value: unknown = (state as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// The message is signed and sent downstream: keep it bounded and valid UTF-8 so the ERROR attestation
// itself can never fail.
function describeError(error: unknown, max: number): string {
  let message: string;
  try {
    // `message` is a string by type only; a thrown object can carry anything.
    const raw: unknown = error instanceof Error ? error.message : error;
    message = String(raw);
  } catch {
    message = 'unprintable error';
  }
  return toWellFormed(message.length > max ? message.slice(0, max) : message);
}

function errorType(error: unknown): string {
  let name: unknown;
  try {
    name =
      typeof error === 'object' && error !== null
        ? (error.constructor as { name?: unknown } | undefined)?.name
        : undefined;
  } catch {
    name = undefined;
  }
  if (typeof name !== 'string' || name.length === 0) name = error === null ? 'null' : typeof error;
  return toWellFormed((name as string).slice(0, MAX_ERROR_TYPE_LENGTH));
}

function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}
