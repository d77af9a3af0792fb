import { createHash } from 'node:crypto';
import { ConfigurationError, StoreStateLostError, StoreUnavailableError } from '../../errors.js';
import { sameKey } from '../../identity/key-binding.js';
import { parsePublicKeyPem } from '../../identity/keys.js';
import type { AdmissionRequest, AdmissionStore, AdmissionVerdict } from '../types.js';
import { normaliseTtlMs } from '../durations.js';
import { unexpectedReply, type RedisCommandRunner, type RedisStoreClient } from './client.js';
import { agentKey, senderReplayKey } from './keys.js';
import { RevocationBatcher } from './revocation-batch.js';
import { existsReply } from './client.js';

/**
 * KEYS[1] the agent's registry hash, KEYS[2] the replay key, KEYS[3..] revocation keys (single Redis
 * only: on a cluster they live in other slots and are read beside the script);
 * ARGV[1] the packet's key PEM, ARGV[2] the replay TTL in ms. Returns {verdict} or, on a key that
 * differs as text, {'key_mismatch', registered PEM} so the caller can compare raw key bytes.
 * The checks run in the gate's order and the nonce is stored last, only when all passed.
 */
const ADMIT_SCRIPT = `local agent = redis.call('HMGET', KEYS[1], 'public_key_pem', 'revoked')
local pem = agent[1]
if not pem then return {'not_registered'} end
if pem ~= ARGV[1] then return {'key_mismatch', pem} end
if agent[2] then return {'agent_revoked'} end
if #KEYS > 2 and redis.call('EXISTS', unpack(KEYS, 3)) > 0 then return {'revoked'} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return {'admitted'} end
return {'replay'}`;
const ADMIT_SHA = createHash('sha1').update(ADMIT_SCRIPT).digest('hex');

/**
 * {@link ADMIT_SCRIPT} behind the store-state epoch check (single Redis with a `RedisStoreState`):
 * the LAST key is the epoch marker and ARGV[3] the epoch this process trusts. A missing or other
 * marker answers {'state_lost'[, marker]} before anything is read or written, so a flushed or
 * restarted-empty Redis is noticed by the very next decision, in the same round trip.
 */
const EPOCH_ADMIT_SCRIPT = `local n = #KEYS - 1
local marker = redis.call('GET', KEYS[n + 1])
if marker ~= ARGV[3] then
  if marker then return {'state_lost', marker} end
  return {'state_lost'}
end
local agent = redis.call('HMGET', KEYS[1], 'public_key_pem', 'revoked')
local pem = agent[1]
if not pem then return {'not_registered'} end
if pem ~= ARGV[1] then return {'key_mismatch', pem} end
if agent[2] then return {'agent_revoked'} end
if n > 2 and redis.call('EXISTS', unpack(KEYS, 3, n)) > 0 then return {'revoked'} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return {'admitted'} end
return {'replay'}`;
const EPOCH_ADMIT_SHA = createHash('sha1').update(EPOCH_ADMIT_SCRIPT).digest('hex');

// A revocation read beside the script on a cluster, behind the marker of the revocation key's slot.
const EPOCH_EXISTS_SCRIPT = `local marker = redis.call('GET', KEYS[2])
if marker ~= ARGV[1] then
  if marker then return {'state_lost', marker} end
  return {'state_lost'}
end
return {redis.call('EXISTS', KEYS[1])}`;
const EPOCH_EXISTS_SHA = createHash('sha1').update(EPOCH_EXISTS_SCRIPT).digest('hex');

// Takes back a replay record this store wrote for a request that a revocation read beside the script
// then refused (cluster only): the refusal must leave the nonce unstored.
const FORGET_SCRIPT = `return redis.call('DEL', KEYS[1])`;

const VERDICTS: ReadonlySet<string> = new Set([
  'admitted',
  'not_registered',
  'key_mismatch',
  'agent_revoked',
  'revoked',
  'replay',
]);

/** Verdicts decided before the id-revocation check: they win over it (the gate's order). */
const BEFORE_REVOCATION: ReadonlySet<AdmissionVerdict> = new Set([
  'not_registered',
  'key_mismatch',
  'agent_revoked',
]);

export interface RedisAdmissionStoreOptions {
  /** The three stores' runners; they must share one client. */
  readonly agents: RedisCommandRunner;
  readonly replay: RedisCommandRunner;
  readonly revocations?: RedisCommandRunner;
}

interface ScriptResult {
  verdict: AdmissionVerdict;
  registeredPem?: string;
}

/**
 * The {@link AdmissionStore} on Redis: one `EVALSHA` of a Lua script (a plain `EVAL` the first time a
 * server has not seen it) runs key binding, agent revocation and `SET NX PX` atomically on the
 * server — one round trip per decision instead of four. Built by `RedisAgentRegistry.admissionStore`
 * over stores that share one client.
 *
 * Single Redis: the script also checks the revocation ids, so the whole decision is one atomic step.
 *
 * Redis Cluster: the sender's registry hash and replay key share the hash tag `{<sender>}` (one
 * slot), so the script runs on that slot's master. Revocation ids are global (anyone revokes a packet
 * or capability id, for any sender) and live in their own slots; they are read in parallel with the
 * script, in the same round trip, batched with the reads of every other decision of the same
 * event-loop turn into one script call per master (revocation-batch.ts). A revocation that completed before `admit` was
 * called is always seen; one racing the call may be seen or not, as on a single Redis. When a
 * revocation read finds a revoked id after the script stored the nonce, the record is deleted before
 * `admit` answers `revoked`, so a refusal leaves the nonce unstored (if that delete fails, `admit`
 * throws {@link StoreUnavailableError} and the nonce stays burned: still no ACCEPT).
 *
 * With `replicaAcks` on the replay store, an `admitted` verdict is returned only after `WAIT`
 * confirmed the replay record on that many replicas.
 */
export class RedisAdmissionStore implements AdmissionStore {
  readonly commandTimeoutMs: number;
  readonly #runner: RedisCommandRunner;
  readonly #replay: RedisCommandRunner;
  readonly #revocations: RedisCommandRunner | undefined;
  /** Cluster only: the batched read of global revocation ids (see revocation-batch.ts). */
  readonly #revocationReads: RevocationBatcher | undefined;

  constructor(options: RedisAdmissionStoreOptions) {
    const { agents, replay, revocations } = options;
    if (
      agents.client !== replay.client ||
      (revocations !== undefined && revocations.client !== agents.client)
    ) {
      throw new ConfigurationError('RedisAdmissionStore: the stores must share one Redis client');
    }
    this.#runner = agents;
    this.#replay = replay;
    this.#revocations = revocations;
    this.#revocationReads =
      revocations !== undefined && agents.isCluster ? new RevocationBatcher(revocations) : undefined;
    this.commandTimeoutMs = agents.timeoutMs;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionVerdict> {
    const first = await this.#run(request, request.publicKeyPem);
    if (first.verdict !== 'key_mismatch' || first.registeredPem === undefined) return first.verdict;
    // Same key, other PEM text (line endings, say): compare the keys, and if they are the same key,
    // ask again with the registered text. Rare, so the second round trip does not matter. The Lua
    // script keeps its own PEM text compare (it cannot import keys); the raw-key rule is sameKey.
    let registered;
    try {
      registered = parsePublicKeyPem(first.registeredPem);
    } catch (error) {
      throw new StoreUnavailableError('agent registry holds a key that does not import', { cause: error });
    }
    if (!sameKey(registered, request.publicKey)) return 'key_mismatch';
    const second = await this.#run(request, first.registeredPem);
    return second.verdict;
  }

  async #run(request: AdmissionRequest, pem: string): Promise<ScriptResult> {
    // Always in the sender's slot; for the gate's keys (`<n>:<from_agent>:<nonce>`) this is the key
    // RedisReplayStore uses too, so both paths see each other's records.
    const replayKey = senderReplayKey(this.#replay.keyPrefix, request.agentId, request.replayKey);
    const keys = [agentKey(this.#runner.keyPrefix, request.agentId), replayKey];
    const revocations = this.#revocations;
    const revocationKeys =
      revocations === undefined ? [] : request.revocationIds.map((id) => revocations.keyPrefix + id);
    const ttl = String(normaliseTtlMs(request.ttlMs));
    // No replica acknowledgement asked: no node lookup, and no extra await on the hot path.
    const target = this.#replay.replicaAcks === 0 ? undefined : await this.#replay.writeTarget(replayKey);

    if (!this.#runner.isCluster || revocationKeys.length === 0) {
      keys.push(...revocationKeys);
      const result = await this.#script(keys, pem, ttl);
      if (result.verdict === 'admitted' && target !== undefined)
        await this.#replay.confirmWrite(replayKey, target);
      return result;
    }

    const [script, revoked] = await Promise.allSettled([
      this.#script(keys, pem, ttl),
      // Under a store-state epoch each read also checks its slot's marker (one script per id);
      // otherwise the reads of every decision in this turn are batched per master.
      this.#revocations!.storeState?.epoch !== undefined
        ? this.#anyRevoked(this.#revocations!, revocationKeys)
        : this.#revocationReads!.anyRevoked(revocationKeys),
    ]);
    if (script.status === 'rejected') throw script.reason;
    const result = script.value;
    if (BEFORE_REVOCATION.has(result.verdict)) return result;
    if (revoked.status === 'rejected') {
      if (result.verdict === 'admitted') await this.#forget(replayKey).catch(() => undefined);
      throw revoked.reason;
    }
    if (revoked.value) {
      if (result.verdict === 'admitted') await this.#forget(replayKey);
      return { verdict: 'revoked' };
    }
    if (result.verdict === 'admitted' && target !== undefined)
      await this.#replay.confirmWrite(replayKey, target);
    return result;
  }

  async #script(keys: string[], pem: string, ttl: string): Promise<ScriptResult> {
    // The epoch marker that lives with the sender's keys (the one marker on a single Redis, the
    // marker of the sender's slot on a cluster) is checked in the script itself.
    const state = this.#runner.storeState;
    const epoch = state?.epoch;
    const reply =
      epoch === undefined
        ? await this.#runner.run((client) =>
            evalScript(client, ADMIT_SCRIPT, ADMIT_SHA, { keys, arguments: [pem, ttl] }),
          )
        : await this.#runner.run((client) =>
            evalScript(client, EPOCH_ADMIT_SCRIPT, EPOCH_ADMIT_SHA, {
              keys: [...keys, state!.markerKeyFor(keys[0]!)],
              arguments: [pem, ttl, epoch],
            }),
          );
    if (epoch !== undefined && Array.isArray(reply) && reply[0] === 'state_lost') {
      state!.sawMarker(epoch, typeof reply[1] === 'string' ? reply[1] : null);
      throw new StoreStateLostError('redis store state lost: epoch marker missing or changed');
    }
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !VERDICTS.has(reply[0])) {
      throw new StoreUnavailableError('unexpected redis reply to the admission script');
    }
    const verdict = reply[0] as AdmissionVerdict;
    return typeof reply[1] === 'string' ? { verdict, registeredPem: reply[1] } : { verdict };
  }

  async #anyRevoked(runner: RedisCommandRunner, keys: readonly string[]): Promise<boolean> {
    // One EXISTS per id: on a cluster the ids hash to different slots (and nodes), so a multi-key
    // EXISTS would be refused with CROSSSLOT. They are sent together, so this is one round trip.
    const state = runner.storeState;
    const epoch = state?.epoch;
    if (state === undefined || epoch === undefined) {
      const replies = await Promise.all(keys.map((key) => runner.run((client) => client.exists(key))));
      return replies.some((reply) => existsReply(reply, 'EXISTS'));
    }
    // With the store-state epoch: each read also checks the marker of its own slot, atomically, so
    // a master that lost its revocations is noticed by the read that would have missed one.
    const replies = await Promise.all(
      keys.map((key) =>
        runner.run((client) =>
          evalScript(client, EPOCH_EXISTS_SCRIPT, EPOCH_EXISTS_SHA, {
            keys: [key, state.markerKeyFor(key)],
            arguments: [epoch],
          }),
        ),
      ),
    );
    let revoked = false;
    for (const reply of replies) {
      if (!Array.isArray(reply)) throw unexpectedReply('EVALSHA revocation');
      if (reply[0] === 'state_lost') {
        state.sawMarker(epoch, typeof reply[1] === 'string' ? reply[1] : null);
        throw new StoreStateLostError('redis store state lost: epoch marker missing or changed');
      }
      if (existsReply(reply[0], 'EXISTS')) revoked = true;
    }
    return revoked;
  }

  async #forget(replayKey: string): Promise<void> {
    const options = { keys: [replayKey], arguments: [] };
    const reply = await this.#replay.run((client) => client.eval(FORGET_SCRIPT, options));
    if (reply !== 0 && reply !== 1) throw unexpectedReply('EVAL forget');
  }
}

function evalScript(
  client: RedisStoreClient,
  script: string,
  sha: string,
  options: { keys: string[]; arguments: string[] },
): Promise<unknown> {
  if (typeof client.evalSha !== 'function') return client.eval(script, options);
  return client.evalSha(sha, options).catch((error: unknown) => {
    // NOSCRIPT is Redis's error code for "script not cached yet" (a new or restarted server).
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return client.eval(script, options);
    throw error;
  });
}
