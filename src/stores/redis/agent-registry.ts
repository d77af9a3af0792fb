import { StoreUnavailableError } from '../../errors.js';
import { importPublicKeyPem, parsePublicKeyPem } from '../../identity/keys.js';
import type {
  AdmissionCapable,
  AdmissionStore,
  AdmissionStores,
  AgentKeyEntry,
  AgentRegistry,
  BulkRegistration,
  RegisteredAgent,
} from '../types.js';
import { RedisAdmissionStore } from './admission-store.js';
import {
  existsReply,
  RedisCommandRunner,
  runnerOf,
  unexpectedReply,
  WHILE_UNTRUSTED,
  type RedisStoreOptions,
} from './client.js';
import { agentKey } from './keys.js';
import { RedisInvalidationLog, type RedisInvalidationOptions } from './invalidation.js';

export interface RedisAgentRegistryOptions extends RedisStoreOptions {
  /**
   * Where each agent revocation is logged and announced to `RedisInvalidationFeed`s
   * (docs/invalidation.md); default: the default log. `false`: not announced.
   */
  readonly invalidation?: RedisInvalidationOptions | false;
}

/** Registrations {@link RedisAgentRegistry.registerMany} keeps in flight at once. */
const BULK_WINDOW = 1000;

/** Default key prefix of {@link RedisAgentRegistry}. */
export const DEFAULT_AGENT_KEY_PREFIX = 'trusthandoff:agent:';

// One hash per agent: the key lives in one field and the revocation mark in another, so a new
// registration (rotation) overwrites the key but can never clear the mark.
const PEM_FIELD = 'public_key_pem';
const REVOKED_FIELD = 'revoked';

/**
 * An {@link AgentRegistry} shared by every verifier on one Redis (or Redis Cluster):
 * `<prefix>{<agentId>}` is a hash with the registered public key PEM and, once revoked, a sticky
 * `revoked` field. Neither expires. The braces are a cluster hash tag: the agent's replay records
 * carry the same tag, so the admission script's keys share one slot.
 *
 * Keys are checked before they are written (an invalid key throws `InvalidKeyError` and changes
 * nothing) and imported through the bounded `parsePublicKeyPem` cache on resolve, so a hot agent's
 * PEM is parsed once per process, not per packet. A stored PEM that no longer imports (someone wrote
 * to Redis behind the registry's back) is a backend failure: {@link StoreUnavailableError}.
 * A revocation is also logged and announced to every `RedisInvalidationFeed` (docs/invalidation.md)
 * unless `invalidation: false`.
 */
export class RedisAgentRegistry implements AgentRegistry, AdmissionCapable, BulkRegistration {
  readonly #redis: RedisCommandRunner;
  readonly #log: RedisInvalidationLog | undefined;

  constructor(options: RedisAgentRegistryOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_AGENT_KEY_PREFIX, 'RedisAgentRegistry');
    const invalidation = options.invalidation ?? {};
    this.#log =
      invalidation === false
        ? undefined
        : new RedisInvalidationLog(this.#redis, invalidation, 'RedisAgentRegistry');
  }

  /** The runner, so that `RedisAgentRegistry.admissionStore` can check the stores share a client. */
  get redisRunner(): RedisCommandRunner {
    return this.#redis;
  }

  /** This store's own per-command deadline, ms; a gate adds none of its own on top. */
  get commandTimeoutMs(): number {
    return this.#redis.timeoutMs;
  }

  /**
   * A {@link RedisAdmissionStore} (one round trip per decision) when the replay and revocation stores
   * are Redis stores on this registry's client (a single client or a cluster); undefined otherwise.
   */
  admissionStore(stores: AdmissionStores): AdmissionStore | undefined {
    const replay = runnerOf(stores.replayStore);
    const revocations = stores.revocationStore === undefined ? undefined : runnerOf(stores.revocationStore);
    const client = this.#redis.client;
    if (replay === undefined || replay.client !== client) return undefined;
    if (
      stores.revocationStore !== undefined &&
      (revocations === undefined || revocations.client !== client)
    ) {
      return undefined;
    }
    return new RedisAdmissionStore({
      agents: this.#redis,
      replay,
      ...(revocations === undefined ? {} : { revocations }),
    });
  }

  async register(agentId: string, publicKeyPem: string): Promise<void> {
    parsePublicKeyPem(publicKeyPem);
    const fullKey = agentKey(this.#redis.keyPrefix, agentId);
    await this.#redis.runWrite(
      fullKey,
      (client) => client.hSet(fullKey, PEM_FIELD, publicKeyPem),
      () => true,
      WHILE_UNTRUSTED,
    );
  }

  /**
   * Register every entry as {@link register} one after the other would (a later entry for an id wins;
   * revocations stay), pipelined: up to {@link BULK_WINDOW} `HSET`s in flight at once instead of one
   * round trip each. Every key is checked first: an invalid one rejects with `InvalidKeyError` and
   * writes nothing. A Redis failure rejects with `StoreUnavailableError` after some entries were
   * written; registering again is safe. Of several entries for one id only the last is written: the
   * outcome of writing them in order.
   */
  async registerMany(entries: Iterable<AgentKeyEntry>): Promise<number> {
    const last = new Map<string, string>();
    let count = 0;
    for (const { agentId, publicKeyPem } of entries) {
      importPublicKeyPem(publicKeyPem);
      last.delete(agentId);
      last.set(agentId, publicKeyPem);
      count++;
    }
    const all = [...last];
    for (let start = 0; start < all.length; start += BULK_WINDOW) {
      const writes: Promise<unknown>[] = [];
      for (const [agentId, publicKeyPem] of all.slice(start, start + BULK_WINDOW)) {
        const fullKey = agentKey(this.#redis.keyPrefix, agentId);
        writes.push(
          this.#redis.runWrite(
            fullKey,
            (client) => client.hSet(fullKey, PEM_FIELD, publicKeyPem),
            () => true,
          ),
        );
      }
      const settled = await Promise.allSettled(writes);
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }
    return count;
  }

  async resolve(agentId: string): Promise<RegisteredAgent | undefined> {
    const fullKey = agentKey(this.#redis.keyPrefix, agentId);
    const publicKeyPem = await this.#redis.run((client) => client.hGet(fullKey, PEM_FIELD));
    if (publicKeyPem === null || publicKeyPem === undefined) return undefined;
    if (typeof publicKeyPem !== 'string') throw unexpectedReply('HGET');
    let publicKey;
    try {
      publicKey = parsePublicKeyPem(publicKeyPem);
    } catch (error) {
      throw new StoreUnavailableError('agent registry holds a key that does not import', { cause: error });
    }
    return Object.freeze({ agentId, publicKeyPem, publicKey });
  }

  async isRegistered(agentId: string): Promise<boolean> {
    const fullKey = agentKey(this.#redis.keyPrefix, agentId);
    return existsReply(await this.#redis.run((client) => client.hExists(fullKey, PEM_FIELD)), 'HEXISTS');
  }

  async revoke(agentId: string): Promise<void> {
    const fullKey = agentKey(this.#redis.keyPrefix, agentId);
    await this.#redis.runWrite(
      fullKey,
      (client) => client.hSet(fullKey, REVOKED_FIELD, '1'),
      () => true,
      WHILE_UNTRUSTED,
    );
    await this.#log?.append('agent', agentId);
  }

  async isRevoked(agentId: string): Promise<boolean> {
    const fullKey = agentKey(this.#redis.keyPrefix, agentId);
    return existsReply(await this.#redis.run((client) => client.hExists(fullKey, REVOKED_FIELD)), 'HEXISTS');
  }
}
