/**
 * The gate's one-call path (see the README, "The handoff gate", "Admission"): when the registry can combine itself with
 * the replay and revocation stores into an {@link AdmissionStore}, the gate verifies the signature
 * against the key the packet declares, runs validation and chain checks locally, and then asks the
 * admission store — atomically — whether that key is the one registered for the sender, whether the
 * sender or any of the packet's ids (packet, task, capabilities) is revoked, and only then stores the nonce. One store call per
 * ACCEPT (one Redis round trip) instead of four.
 *
 * The decision and its reason are the hardened order's: a local rejection (signature, validation,
 * chain, capability token, …) first asks the registry about the key binding (see `deferredFirst` in
 * the pipeline), because a key that is not the sender's registered one is `public_key_mismatch`
 * whatever else is wrong with the packet.
 */
import { ConfigurationError } from '../../errors.js';
import type { AdmissionStore, AdmissionVerdict } from '../../stores/types.js';
import type { GateStep, HandoffContext, StepResult } from '../context.js';
import { firstRejection } from '../pipeline.js';
import { REASONS } from '../decision.js';
import { KEY_MISMATCH, NOT_REGISTERED, REGISTRY_UNAVAILABLE } from './key-binding.js';
import { storeFailure } from './store-failure.js';
import {
  replayKey,
  replayRetention,
  REPLAY,
  REPLAY_STORE_FULL,
  type ReplayRetentionOptions,
} from './replay.js';
import { AGENT_REVOKED, BAD_TOKEN, tokenIdCache } from './revocation.js';

export interface AdmissionStepOptions extends ReplayRetentionOptions {
  readonly admission: AdmissionStore;
  /** The registry key-binding step, asked first when the capability token is unreadable. */
  readonly binding: GateStep;
  /** Whether the admission store checks the packet's ids against a revocation store. */
  readonly checksRevocations: boolean;
}

const NO_IDS: readonly string[] = Object.freeze([]);

function outcome(verdict: AdmissionVerdict, ctx: HandoffContext): StepResult {
  switch (verdict) {
    case 'admitted':
      // The store confirmed atomically that the declared key is the sender's registered key.
      ctx.keyBound = true;
      return undefined;
    case 'not_registered':
      return NOT_REGISTERED;
    case 'key_mismatch':
      return KEY_MISMATCH;
    case 'agent_revoked':
      return AGENT_REVOKED;
    case 'revoked':
      return { reason: REASONS.capabilityRevoked, details: { packet_id: ctx.packet.packet_id } };
    case 'replay':
      return REPLAY;
    case 'replay_store_full':
      return REPLAY_STORE_FULL;
    default:
      // A verdict outside the contract means the backend cannot be trusted: fail closed.
      return REGISTRY_UNAVAILABLE;
  }
}

/**
 * Key binding, revocation and replay in one admission-store call. A store failure is
 * `registry_unavailable`: the registry is the first store the per-store path consults, so a backend
 * that is down yields the same reason on both paths.
 */
export function admissionStep(options: AdmissionStepOptions): GateStep {
  const admission = options.admission;
  if (admission === undefined || typeof admission.admit !== 'function') {
    throw new ConfigurationError('admission step needs an AdmissionStore');
  }
  const retention = replayRetention(options);
  const idsOfToken = tokenIdCache();
  const checksRevocations = options.checksRevocations;
  return {
    name: 'admission',
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const packet = ctx.packet;
      const key = ctx.key;
      if (key === undefined) return REGISTRY_UNAVAILABLE;
      let revocationIds = NO_IDS;
      if (checksRevocations) {
        const token = packet.capability_token;
        let tokenIds: readonly string[] | undefined = NO_IDS;
        if (token !== null) {
          tokenIds = idsOfToken(token);
          if (tokenIds === undefined) return firstRejection(ctx, [options.binding], 0, BAD_TOKEN);
        }
        // Packet id, task id (a revoked task blocks all its packets), then the token's capability ids.
        revocationIds = [packet.packet_id, packet.task_id, ...tokenIds];
      }
      let verdict: AdmissionVerdict | Promise<AdmissionVerdict>;
      try {
        verdict = admission.admit({
          agentId: packet.from_agent,
          publicKeyPem: packet.public_key,
          publicKey: key,
          revocationIds,
          replayKey: replayKey(packet),
          ttlMs: retention(packet),
        });
      } catch (error) {
        return storeFailure(error, REGISTRY_UNAVAILABLE);
      }
      if (typeof verdict === 'string') return outcome(verdict, ctx);
      return verdict.then(
        (v) => outcome(v, ctx),
        (error: unknown) => storeFailure(error, REGISTRY_UNAVAILABLE),
      );
    },
  };
}
