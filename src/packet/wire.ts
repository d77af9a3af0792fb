/**
 * Packets and envelopes on the wire (SPEC §2.2). Parsing is lossless and bounded; serializing writes
 * numbers by the SPEC §2.1 rule so the Python reference reads back exactly what was signed.
 */
import { encodeJson } from '../wire/canonical.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';
import { snapshotJson } from '../wire/snapshot.js';
import type { Timestamp } from '../wire/timestamp.js';
import { freezeChecked } from './checked.js';
import { buildPacketFields, toChain } from './fields.js';
import {
  fail,
  optionalInteger,
  rejectUnknownFields,
  requireObject,
  requireString,
  requireTimestamp,
} from '../wire/fields.js';
import {
  DEFAULT_TTL_POLICY,
  PACKET_FIELDS,
  type DelegationChain,
  type DelegationEnvelope,
  type SignedTaskPacket,
  type TaskPacketDraft,
  type TtlPolicy,
} from './types.js';

export interface ParseOptions {
  /** Size, depth and integer-length limits (defaults: 1 MiB, 64 levels, 4300 digits). */
  readonly limits?: Partial<JsonLimits>;
  /** TTL policy applied while parsing, as the reference's model does (default `{write:120, read:900}`). */
  readonly ttlPolicy?: TtlPolicy;
}

/** `reference`: the reference's `envelope_to_json` layout; `compact`: pydantic `model_dump_json` layout. */
export type WireForm = 'reference' | 'compact';

const PACKET_FIELD_SET: ReadonlySet<string> = new Set(PACKET_FIELDS);

/**
 * A signed packet from a value this library owns (it just parsed or snapshotted it): its free-form
 * JSON is frozen in place instead of copied. With `owned` false it is copied. Not exported from the
 * package: callers outside it go through {@link parsePacket}.
 */
export function packetFromOwnedJson(
  value: unknown,
  options: Pick<ParseOptions, 'ttlPolicy'>,
  owned: boolean,
): SignedTaskPacket {
  const raw = requireObject(value, 'packet');
  rejectUnknownFields(raw, PACKET_FIELD_SET, 'packet');
  const signatureAlgo = requireString(raw['signature_algo'], 'signature_algo');
  if (signatureAlgo !== 'Ed25519') throw fail('signature_algo', 'must be "Ed25519"');
  if (raw['permissions'] === undefined) throw fail('permissions', 'is required');
  const packet = buildPacketFields(
    raw,
    {
      packet_id: requireString(raw['packet_id'], 'packet_id'),
      task_id: requireString(raw['task_id'], 'task_id'),
      nonce: requireString(raw['nonce'], 'nonce'),
      issued_at: requireTimestamp(raw['issued_at'], 'issued_at'),
      ttl_seconds: optionalInteger(raw['ttl_seconds'], 'ttl_seconds'),
    },
    options.ttlPolicy ?? DEFAULT_TTL_POLICY,
    owned,
  ) as TaskPacketDraft & { signature: string; public_key: string };
  packet.signature = requireString(raw['signature'], 'signature');
  packet.public_key = requireString(raw['public_key'], 'public_key');
  return freezeChecked(packet);
}

/**
 * A value this library owns: wire input through the bounded lossless parser; an object read exactly
 * once into the library's own frozen copy, within the same limits — so a getter or Proxy cannot show
 * one value to the checks and another afterwards. Floats in an object from `JSON.parse` are already
 * lossy: prefer wire text for packets that carry them.
 */
function ownedInput(input: string | Uint8Array | object, options: ParseOptions): unknown {
  return typeof input === 'string' || input instanceof Uint8Array
    ? parseJson(input, options.limits)
    : snapshotJson(input, options.limits);
}

/**
 * Parse a packet from wire JSON (either SPEC §2.2 form, or any valid JSON), or from an object (e.g.
 * parsed JSON). Throws PayloadValidationError; does not verify the signature.
 */
export function parsePacket(
  input: string | Uint8Array | object,
  options: ParseOptions = {},
): SignedTaskPacket {
  return packetFromOwnedJson(ownedInput(input, options), options, true);
}

/**
 * Parse a `{packet, chain}` envelope from wire JSON or an object; unknown envelope fields (also
 * `approvals` and `capability_chain`, which only the gate reads) are ignored, as in the reference.
 */
export function parseDelegationEnvelope(
  input: string | Uint8Array | object,
  options: ParseOptions = {},
): DelegationEnvelope {
  const raw = requireObject(ownedInput(input, options), 'envelope');
  if (raw['packet'] === undefined) throw fail('envelope.packet', 'is required');
  if (raw['chain'] === undefined) throw fail('envelope.chain', 'is required');
  return Object.freeze({
    packet: packetFromOwnedJson(raw['packet'], options, true),
    chain: toChain(raw['chain']),
  });
}

const REFERENCE_LAYOUT = {
  sortKeys: true,
  itemSeparator: ', ',
  keySeparator: ': ',
  asciiOnly: true,
  timestamp: (t: Timestamp) => t.toIsoformat(),
} as const;

const COMPACT_LAYOUT = {
  sortKeys: false,
  itemSeparator: ',',
  keySeparator: ':',
  asciiOnly: true,
  timestamp: (t: Timestamp) => t.toCanonical(),
} as const;

function orderedPacket(packet: SignedTaskPacket): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const field of PACKET_FIELDS) ordered[field] = packet[field];
  return ordered;
}

function orderedChain(chain: DelegationChain): Record<string, unknown> {
  return {
    packet_ids: chain.packet_ids,
    agents: chain.agents,
    hops: chain.hops.map((hop) => ({
      agent_id: hop.agent_id,
      delegated_permissions: {
        allowed_actions: hop.delegated_permissions.allowed_actions,
        max_tool_calls: hop.delegated_permissions.max_tool_calls,
      },
    })),
  };
}

/** A packet as wire JSON. `compact` (default) is the reference's pydantic layout, ASCII-escaped. */
export function serializePacket(packet: SignedTaskPacket, form: WireForm = 'compact'): string {
  return encodeJson(orderedPacket(packet), form === 'reference' ? REFERENCE_LAYOUT : COMPACT_LAYOUT);
}

/**
 * An envelope as wire JSON. `reference` (default) is byte-identical to the reference's
 * `envelope_to_json` for `{packet, chain}`. Non-empty `approvals` and a `capability_chain` are
 * written too, in that layout (sorted keys put them before `chain`); the reference ignores both.
 */
export function serializeDelegationEnvelope(
  envelope: DelegationEnvelope,
  form: WireForm = 'reference',
): string {
  const reference = form === 'reference';
  const base = encodeJson(
    { packet: orderedPacket(envelope.packet), chain: orderedChain(envelope.chain) },
    reference ? REFERENCE_LAYOUT : COMPACT_LAYOUT,
  );
  const approvals = envelope.approvals;
  const capabilityChain = envelope.capability_chain;
  const hasApprovals = approvals !== undefined && approvals.length > 0;
  if (!hasApprovals && capabilityChain === undefined) return base;
  const layout = {
    sortKeys: true,
    itemSeparator: reference ? ', ' : ',',
    keySeparator: reference ? ': ' : ':',
    asciiOnly: true,
  };
  const space = reference ? ' ' : '';
  let prefix = '';
  if (hasApprovals) prefix += `"approvals":${space}${encodeJson(approvals, layout)},${space}`;
  if (capabilityChain !== undefined)
    prefix += `"capability_chain":${space}${encodeJson([...capabilityChain], layout)},${space}`;
  return `{${prefix}${base.slice(1)}`;
}
