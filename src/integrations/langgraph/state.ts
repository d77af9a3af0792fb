/**
 * The handoff slot: what the sending tool writes into the graph state and the receiving node reads
 * and completes. Plain JSON only (the envelope and the attested output are wire strings), so a
 * checkpointer round trip changes nothing the signatures cover.
 */
import { Annotation, type BaseChannel, type OverwriteValue } from '@langchain/langgraph';
import type { ToolCallRejection } from '../core/verdict.js';
import { isPlainObject } from '../../wire/json-value.js';

/** The handoff slot in the graph state (under `HANDOFF_STATE_KEY` unless you choose another key). */
export interface HandoffSlot {
  /** The serialized delegation envelope (a JSON string). */
  readonly envelope: string;
  /** The call the envelope is bound to: the receiving node's name and the task's arguments. */
  readonly call: { readonly name: string; readonly arguments: Record<string, unknown> };
  /** The packet id the attestation must name (what the sender minted). */
  readonly packetId: string;
  /** W3C trace context, beside the envelope. */
  readonly traceparent?: string;
  /** Set by the receiving node: the attested output, `serializeNodeOutput` wire JSON. */
  readonly output?: string;
  /** Set by the receiving node when it refused: `{ decision: 'REJECT', reason, packet_id, details? }`. */
  readonly rejection?: ToolCallRejection;
}

/**
 * The state channel for the slot: the last write wins, empty until a handoff. Spread it into your
 * state: `Annotation.Root({ ...MessagesAnnotation.spec, trusthandoff: handoffChannel() })`.
 */
export function handoffChannel(): BaseChannel<
  HandoffSlot | null,
  OverwriteValue<HandoffSlot | null> | HandoffSlot | null
> {
  return Annotation<HandoffSlot | null>({
    reducer: (_previous: HandoffSlot | null, next: HandoffSlot | null) => next,
    default: () => null,
  });
}

/** The slot under `key` in `state`, or undefined; never throws (the state is untrusted input). */
export function readSlot(state: unknown, key: string): Record<string, unknown> | undefined {
  if (!isPlainObject(state)) return undefined;
  let slot: unknown;
  try {
    slot = Object.hasOwn(state, key) ? state[key] : undefined;
  } catch {
    return undefined;
  }
  return isPlainObject(slot) ? slot : undefined;
}
