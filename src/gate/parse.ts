/**
 * Turning whatever `handle` was given into a typed envelope. Wire input (string or bytes) goes through
 * the bounded lossless parser; an object is re-checked field by field, since a caller's object is no
 * more trustworthy than bytes — unless it is a frozen packet or chain this library built and checked
 * itself. Never throws: failures come back as a value.
 */
import { isTrustHandoffError } from '../errors.js';
import { toChain } from '../packet/fields.js';
import { fail, requireObject } from '../wire/fields.js';
import { isChecked } from '../packet/checked.js';
import {
  DEFAULT_TTL_POLICY,
  type DelegationChain,
  type SignedTaskPacket,
  type TtlPolicy,
} from '../packet/types.js';
import { packetFromOwnedJson } from '../packet/wire.js';
import { isPlainObject } from '../wire/json-value.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';
import { snapshotJson } from '../wire/snapshot.js';
import type { GateEnvelope } from './context.js';

export interface GateParseOptions {
  readonly limits?: Partial<JsonLimits>;
  readonly ttlPolicy?: TtlPolicy;
  /** Most approvals an envelope may carry (default 16). */
  readonly maxApprovals?: number;
}

/**
 * Most tokens an envelope's `capability_chain` may hold. A bound on parsing only: the capability step
 * enforces its own, smaller `maxChainLength` (default 16) with a REJECT reason.
 */
export const MAX_CAPABILITY_CHAIN_TOKENS = 64;

export type GateInput = GateEnvelope | string | Uint8Array;

export interface ParseFailure {
  readonly failed: true;
  readonly packetId: string | null;
  readonly error: string;
  readonly message: string;
}

export function parseGateInput(input: unknown, options: GateParseOptions): GateEnvelope | ParseFailure {
  let raw: unknown = input;
  try {
    // Wire input is parsed into values this library owns; an object is read exactly once into the
    // library's own frozen copy (the same size and depth limits), so a getter or Proxy cannot show one
    // value to the checks and another to the task. Packets and chains this library built and froze
    // are kept as they are.
    raw =
      typeof input === 'string' || input instanceof Uint8Array
        ? parseJson(input, options.limits)
        : snapshotJson(input, options.limits, isChecked);
    const object = requireObject(raw, 'envelope');
    if (object['packet'] === undefined) throw fail('envelope.packet', 'is required');
    if (object['chain'] === undefined) throw fail('envelope.chain', 'is required');
    const packet = isChecked(object['packet'])
      ? checkedPacket(object['packet'] as SignedTaskPacket, options.ttlPolicy ?? DEFAULT_TTL_POLICY)
      : packetFromOwnedJson(
          object['packet'],
          options.ttlPolicy === undefined ? {} : { ttlPolicy: options.ttlPolicy },
          true,
        );
    const chain = isChecked(object['chain'])
      ? (object['chain'] as DelegationChain)
      : toChain(object['chain']);
    const capabilityChain = toCapabilityChain(object['capability_chain']);
    const approvals = object['approvals'];
    if (approvals === undefined || approvals === null)
      return Object.freeze(
        capabilityChain === undefined
          ? { packet, chain }
          : { packet, chain, capability_chain: capabilityChain },
      );
    if (!Array.isArray(approvals)) throw fail('envelope.approvals', 'must be a list');
    if (approvals.length > (options.maxApprovals ?? 16))
      throw fail('envelope.approvals', 'too many approvals');
    const withApprovals = { packet, chain, approvals: Object.freeze([...(approvals as unknown[])]) };
    return Object.freeze(
      capabilityChain === undefined ? withApprovals : { ...withApprovals, capability_chain: capabilityChain },
    );
  } catch (error) {
    return Object.freeze({
      failed: true,
      packetId: packetIdOf(raw),
      error: isTrustHandoffError(error) ? error.code : 'ERR_PAYLOAD_VALIDATION',
      message: isTrustHandoffError(error) ? error.message : 'unreadable envelope',
    });
  }
}

// `capability_chain`: absent (or null), or a bounded list of strings; each token's content and
// length are the capability step's to judge.
function toCapabilityChain(value: unknown): readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw fail('envelope.capability_chain', 'must be a list of tokens');
  if (value.length > MAX_CAPABILITY_CHAIN_TOKENS) throw fail('envelope.capability_chain', 'too many tokens');
  const tokens: string[] = [];
  for (const token of value as unknown[]) {
    if (typeof token !== 'string') throw fail('envelope.capability_chain', 'must be a list of tokens');
    tokens.push(token);
  }
  return Object.freeze(tokens);
}

/**
 * A packet this library built and froze is not checked field by field again; only what depends on
 * this gate's settings is: its risk level must be one the gate's TTL policy knows, as parsing demands.
 */
function checkedPacket(packet: SignedTaskPacket, ttlPolicy: TtlPolicy): SignedTaskPacket {
  if (packet.risk_level !== null && !Object.hasOwn(ttlPolicy, packet.risk_level)) {
    throw fail('risk_level', 'unsupported risk_level');
  }
  return packet;
}

export function isParseFailure(value: GateEnvelope | ParseFailure): value is ParseFailure {
  return (value as { readonly failed?: unknown }).failed === true;
}

function packetIdOf(raw: unknown): string | null {
  try {
    if (!isPlainObject(raw) || !isPlainObject(raw['packet'])) return null;
    const id = raw['packet']['packet_id'];
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
