import { ConfigurationError } from '../../errors.js';
import { bindPresentedKey } from '../../identity/key-binding.js';
import type { AdmissionRequest, AdmissionStore, AdmissionVerdict } from '../types.js';
import type { MemoryAgentRegistry } from './agent-registry.js';
import type { MemoryReplayStore } from './replay-store.js';
import type { MemoryRevocationStore } from './revocation-store.js';

export interface MemoryAdmissionStoreOptions {
  readonly registry: MemoryAgentRegistry;
  readonly replayStore: MemoryReplayStore;
  /** Without it only agent revocation is checked. */
  readonly revocationStore?: MemoryRevocationStore;
}

/**
 * The {@link AdmissionStore} over the memory stores: their synchronous forms run one after the other
 * in one call, which is atomic in a single-threaded process. Answers synchronously, so a gate on
 * memory stores decides without a microtask.
 */
export class MemoryAdmissionStore implements AdmissionStore {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #registry: MemoryAgentRegistry;
  readonly #replay: MemoryReplayStore;
  readonly #revocations: MemoryRevocationStore | undefined;

  constructor(options: MemoryAdmissionStoreOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      typeof options.registry?.resolveSync !== 'function' ||
      typeof options.replayStore?.storeSync !== 'function' ||
      (options.revocationStore !== undefined && typeof options.revocationStore.isRevokedSync !== 'function')
    ) {
      throw new ConfigurationError('MemoryAdmissionStore needs the memory registry and replay store');
    }
    this.#registry = options.registry;
    this.#replay = options.replayStore;
    this.#revocations = options.revocationStore;
  }

  admit(request: AdmissionRequest): AdmissionVerdict {
    const agent = this.#registry.resolveSync(request.agentId);
    const binding = bindPresentedKey(agent, request.publicKeyPem, request.publicKey);
    if (binding !== 'bound') return binding;
    if (this.#registry.isRevokedSync(request.agentId)) return 'agent_revoked';
    const revocations = this.#revocations;
    if (revocations !== undefined) {
      for (const id of request.revocationIds) if (revocations.isRevokedSync(id)) return 'revoked';
    }
    const outcome = this.#replay.storeSync(request.replayKey, request.ttlMs);
    return outcome === 'stored' ? 'admitted' : outcome === 'seen' ? 'replay' : 'replay_store_full';
  }
}
