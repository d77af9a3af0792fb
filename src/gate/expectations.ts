/**
 * Per-call expectations: what the caller of `handle(input, { expect })` knows this call must be — the
 * tool being invoked, its arguments, the intent, the task type. An integration knows these from its
 * own request (an MCP `tools/call`, say); the packet says what the sender signed. A mismatch is a
 * REJECT before the replay step, so an attacker who presents a captured envelope to the wrong tool
 * first cannot spend the nonce of the legitimate call (the nonce-burn attack, one layer up).
 *
 * The tool-call convention (both sides of every integration use it):
 *   packet.context["trusthandoff.tool_call"] = { "name": <tool name>, "arguments_sha256": <digest> }
 * where the digest is the lowercase hex SHA-256 of the arguments' SPEC §2.1 canonical JSON (keys in
 * code-point order, compact, ASCII escapes, Python float repr) — in Python:
 *   hashlib.sha256(json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
 *                  .encode()).hexdigest()
 * It is signed with the rest of the packet, so the tool and its arguments cannot be swapped.
 */
import { createHash } from 'node:crypto';
import { canonicalPacketJson } from '../wire/canonical.js';
import { isPlainObject } from '../wire/json-value.js';
import type { GateStep, HandoffContext, StepRejection, StepResult } from './context.js';
import { REASONS } from './decision.js';

/** The packet `context` key that binds a tool call into a signed packet. */
export const TOOL_CALL_CONTEXT_KEY = 'trusthandoff.tool_call';

/** What the sender signs about a tool call (under {@link TOOL_CALL_CONTEXT_KEY}). */
// A type alias, not an interface: it must be assignable to a packet's JSON `context`.

export type ToolCallBinding = {
  readonly name: string;
  /** {@link toolArgumentsDigest} of the call's arguments. */
  readonly arguments_sha256: string;
};

/** The expected tool call: its name and either its arguments or their digest. */
export type ExpectedToolCall =
  | { readonly name: string; readonly arguments: unknown }
  | { readonly name: string; readonly argumentsSha256: string };

/** What a call must be. Every field given must match the signed packet; absent fields are not checked. */
export interface CallExpectations {
  /** `packet.intent` (for a capability-authorized packet, the action). */
  readonly intent?: string;
  /** `packet.task_type`. */
  readonly taskType?: string;
  /** The tool call bound into the packet's context (see {@link bindToolCall}). */
  readonly toolCall?: ExpectedToolCall;
}

/**
 * Lowercase hex SHA-256 of `args` as SPEC §2.1 canonical JSON. Throws CanonicalizationError for
 * values JSON cannot carry (undefined, functions, NaN, …). Note: a JS number has no `5.0`; a Python
 * float argument with an integral value (`5.0`) digests differently from its JS parse (`5`).
 */
export function toolArgumentsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalPacketJson(args), 'utf8').digest('hex');
}

/**
 * The context entry that binds a tool call into a packet: spread it into the packet's `context`
 * before signing, e.g. `issueTaskPacket(identity, { ..., context: { ...bindToolCall(name, args) } })`.
 */
export function bindToolCall(
  name: string,
  args: unknown,
): { readonly [TOOL_CALL_CONTEXT_KEY]: ToolCallBinding } {
  return { [TOOL_CALL_CONTEXT_KEY]: { name, arguments_sha256: toolArgumentsDigest(args) } };
}

const INVALID: StepRejection = Object.freeze({ reason: REASONS.expectationInvalid });
const HEX64 = /^[0-9a-f]{64}$/;

function mismatch(
  reason: StepRejection['reason'],
  field: string,
  expected: unknown,
  actual: unknown,
): StepRejection {
  return { reason, details: { field, expected, actual } };
}

function checkToolCall(packetContext: unknown, expected: ExpectedToolCall): StepResult {
  if (typeof expected !== 'object' || expected === null || typeof expected.name !== 'string') return INVALID;
  let digest: string;
  if ('argumentsSha256' in expected) {
    if (typeof expected.argumentsSha256 !== 'string' || !HEX64.test(expected.argumentsSha256)) return INVALID;
    digest = expected.argumentsSha256;
  } else if ('arguments' in expected) {
    try {
      digest = toolArgumentsDigest(expected.arguments);
    } catch {
      return INVALID;
    }
  } else {
    // A name without arguments would let an attacker swap the arguments: refuse the expectation.
    return INVALID;
  }
  const bound = isPlainObject(packetContext) ? packetContext[TOOL_CALL_CONTEXT_KEY] : undefined;
  if (
    !isPlainObject(bound) ||
    typeof bound['name'] !== 'string' ||
    typeof bound['arguments_sha256'] !== 'string'
  )
    return { reason: REASONS.toolCallMissing, details: { field: TOOL_CALL_CONTEXT_KEY } };
  if (bound['name'] !== expected.name)
    return mismatch(REASONS.toolNameMismatch, 'tool_call.name', expected.name, bound['name']);
  if (bound['arguments_sha256'] !== digest)
    return mismatch(
      REASONS.toolArgumentsMismatch,
      'tool_call.arguments_sha256',
      digest,
      bound['arguments_sha256'],
    );
  return undefined;
}

/** Checks {@link CallExpectations} against the signed packet; a call without expectations passes. */
export function checkExpectations(ctx: HandoffContext): StepResult {
  const expect = ctx.expect;
  if (expect === undefined) return undefined;
  if (typeof expect !== 'object' || expect === null) return INVALID;
  const packet = ctx.packet;
  if (expect.intent !== undefined && expect.intent !== packet.intent)
    return mismatch(REASONS.intentMismatch, 'intent', expect.intent, packet.intent);
  if (expect.taskType !== undefined && expect.taskType !== packet.task_type)
    return mismatch(REASONS.taskTypeMismatch, 'task_type', expect.taskType, packet.task_type);
  if (expect.toolCall !== undefined) return checkToolCall(packet.context, expect.toolCall);
  return undefined;
}

/** The gate step for per-call expectations; local and synchronous, so it never touches a store. */
export function expectationsStep(): GateStep {
  return { name: 'expectations', check: checkExpectations };
}
