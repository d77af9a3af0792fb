/**
 * Revocation (SPEC §5): the sender's agent must not be revoked in the registry (`agent_revoked`), and
 * none of the packet's ids — its packet id (the id the revalidation watcher watches), its task id
 * (revoking a task blocks every packet of it), and the capability id (and its parent) named by its
 * capability token — may be in the revocation store (`capability_revoked`). The lookups run
 * concurrently, so a networked store costs one round trip. A store error is
 * `revocation_store_unavailable`: fail closed.
 */
import { ConfigurationError } from '../../errors.js';
import { boundedMemo } from '../../lib/bounded-memo.js';
import type { SignedTaskPacket } from '../../packet/types.js';
import type { AgentRegistry, RevocationStore } from '../../stores/types.js';
import { decodeBase64Url } from '../../wire/base64.js';
import { isPlainObject } from '../../wire/json-value.js';
import { parseJson } from '../../wire/parse-json.js';
import {
  rejection,
  type GateStep,
  type HandoffContext,
  type StepRejection,
  type StepResult,
} from '../context.js';
import { REASONS } from '../decision.js';
import { storeFailure } from './store-failure.js';

export interface RevocationStepOptions {
  /** Checked for `isRevoked(from_agent)`. */
  readonly registry?: AgentRegistry;
  /** Checked for the packet id, the task id and the capability ids. */
  readonly revocations?: RevocationStore;
}

export const AGENT_REVOKED: StepRejection = rejection(REASONS.agentRevoked);
const UNAVAILABLE = rejection(REASONS.revocationStoreUnavailable);
export const BAD_TOKEN: StepRejection = Object.freeze({ reason: REASONS.malformedCapabilityToken });
const MAX_TOKEN_LENGTH = 65_536;
const TOKEN_CACHE_SIZE = 1024;

/** Ids named by a capability token, or undefined when the token cannot be read. */
export function capabilityTokenIds(token: string): readonly string[] | undefined {
  const bytes = decodeBase64Url(token, MAX_TOKEN_LENGTH);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = parseJson(bytes, { maxBytes: MAX_TOKEN_LENGTH, maxDepth: 16 });
  } catch {
    return undefined;
  }
  if (!isPlainObject(value) || typeof value['capability_id'] !== 'string') return undefined;
  const parent = value['parent_capability_id'];
  return Object.freeze(
    typeof parent === 'string' ? [value['capability_id'], parent] : [value['capability_id']],
  );
}

/**
 * {@link capabilityTokenIds} through a bounded cache: tokens are reused by many packets, so each is
 * decoded once per gate (the oldest entry goes when the cache is full).
 */
export function tokenIdCache(): (token: string) => readonly string[] | undefined {
  // boundedMemo does not keep undefined, so an unreadable token is memoised as null: a hostile token
  // repeated by many packets costs one decode, not one per packet. Tokens longer than
  // MAX_TOKEN_LENGTH are rejected by the decoder at once and are never kept.
  const memo = boundedMemo(
    TOKEN_CACHE_SIZE,
    MAX_TOKEN_LENGTH,
    (token: string) => capabilityTokenIds(token) ?? null,
  );
  return (token) => memo(token) ?? undefined;
}

export function revocationStep(options: RevocationStepOptions): GateStep {
  const { registry, revocations } = options;
  if (registry === undefined && revocations === undefined) {
    throw new ConfigurationError('revocation step needs a registry, a revocation store, or both');
  }
  const idsOfToken = tokenIdCache();

  return {
    name: 'revocation',
    async check(ctx: HandoffContext): Promise<StepResult> {
      const packet = ctx.packet;
      let capabilityIds: readonly string[] = [];
      if (packet.capability_token !== null) {
        const ids = idsOfToken(packet.capability_token);
        if (ids === undefined) return BAD_TOKEN;
        capabilityIds = ids;
      }
      const lookups: Promise<boolean>[] = [];
      if (registry !== undefined) lookups.push(registry.isRevoked(packet.from_agent));
      if (revocations !== undefined) {
        lookups.push(revocations.isRevoked(packet.packet_id), revocations.isRevoked(packet.task_id));
        for (const id of capabilityIds) lookups.push(revocations.isRevoked(id));
      }
      let results: boolean[];
      try {
        results = await Promise.all(lookups);
      } catch (error) {
        return storeFailure(error, UNAVAILABLE);
      }
      let i = 0;
      if (registry !== undefined && results[i++] === true) return AGENT_REVOKED;
      for (; i < results.length; i++) {
        if (results[i] === true)
          return { reason: REASONS.capabilityRevoked, details: { packet_id: packet.packet_id } };
      }
      return undefined;
    },
  };
}

/** Every id of `packet` a revocation store is consulted for (packet id, task id, capability ids). */
export function packetRevocationIds(packet: SignedTaskPacket): readonly string[] {
  const ids = [packet.packet_id, packet.task_id];
  if (packet.capability_token !== null) ids.push(...(capabilityTokenIds(packet.capability_token) ?? []));
  return ids;
}
