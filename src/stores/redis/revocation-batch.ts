/**
 * Redis Cluster only: the admission store's read of global revocation ids, batched. Revocation ids
 * (packet, task, capability ids) live in the slots of their own keys, not in the sender's, so the
 * admission script cannot read them (see docs/redis-cluster.md, "Global revocation ids"). Sent as one
 * `EXISTS` per id and decision, they cost the cluster client as much as the script itself. Instead,
 * the ids of every decision that asks during one event-loop turn are read together: they are grouped
 * by the master that serves them and each group is read with one script call on that master's
 * connection (`#!lua flags=no-writes,allow-cross-slot-keys`, Redis ≥ 7.0), so a turn with 64
 * decisions in flight costs one command per master instead of 64.
 *
 * The read of a batch is sent after every decision in it called {@link RevocationBatcher.anyRevoked}
 * (the batch is flushed by `setImmediate`, never earlier), so a revocation whose `revoke()` resolved
 * before a decision asked is always seen — the same bound as one `EXISTS` per decision.
 *
 * When the grouped read fails (a topology change moved a slot between the lookup and the read, a
 * server older than 7.0 that does not know script flags, a node client that cannot be found), the
 * batch falls back to one `EXISTS` per id through the cluster client, which follows `MOVED`/`ASK`
 * redirects; only when that fails too do the decisions fail (closed).
 */
import { createHash } from 'node:crypto';
import { StoreUnavailableError } from '../../errors.js';
import { existsReply, unexpectedReply, type RedisCommandRunner } from './client.js';

// The ids come as arguments, not KEYS: a cluster refuses declared keys of several slots (CROSSSLOT)
// whatever the script's flags, while `allow-cross-slot-keys` lets the script itself read keys of
// several slots that this node serves (a key served elsewhere is an error: the batch falls back).
const READ_SCRIPT = `#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
for i, key in ipairs(ARGV) do out[i] = redis.call('EXISTS', key) end
return out`;
const READ_SHA = createHash('sha1').update(READ_SCRIPT).digest('hex');

/** A node connection, as `getNodeClientForKey` of an `@redis/client` cluster returns it. */
interface NodeClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha?(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

interface Waiter {
  readonly keys: readonly string[];
  resolve(revoked: boolean): void;
  reject(error: unknown): void;
}

export class RevocationBatcher {
  readonly #runner: RedisCommandRunner;
  #waiting: Waiter[] = [];

  constructor(runner: RedisCommandRunner) {
    this.#runner = runner;
  }

  /** True when any of `keys` (full revocation keys) exists. Rejects with StoreUnavailableError. */
  anyRevoked(keys: readonly string[]): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => void this.#flush());
      this.#waiting.push({ keys, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const waiters = this.#waiting;
    this.#waiting = [];
    const unique = [...new Set(waiters.flatMap((w) => w.keys))];
    let revoked: ReadonlySet<string>;
    try {
      revoked = await this.#readGrouped(unique).catch(() => this.#readEach(unique));
    } catch (error) {
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) w.resolve(w.keys.some((key) => revoked.has(key)));
  }

  /** One script call per master, each reading the ids that master serves. */
  async #readGrouped(keys: readonly string[]): Promise<ReadonlySet<string>> {
    const runner = this.#runner;
    const cluster = runner.client as { getNodeClientForKey?: unknown };
    const lookup = cluster.getNodeClientForKey;
    if (typeof lookup !== 'function') throw new StoreUnavailableError('cluster client cannot name nodes');
    const nodes = await runner.run(() =>
      Promise.all(
        keys.map((key) =>
          (lookup as (key: string, readonly?: boolean) => Promise<NodeClient>).call(cluster, key, false),
        ),
      ),
    );
    const groups = new Map<NodeClient, string[]>();
    keys.forEach((key, i) => {
      const node = nodes[i]!;
      const group = groups.get(node);
      if (group === undefined) groups.set(node, [key]);
      else group.push(key);
    });
    const revoked = new Set<string>();
    await Promise.all(
      [...groups].map(async ([node, group]) => {
        const reply = await runner.run(() => readScript(node, group));
        if (!Array.isArray(reply) || reply.length !== group.length)
          throw unexpectedReply('EVALSHA revocations');
        reply.forEach((exists, i) => {
          if (existsReply(exists, 'EXISTS')) revoked.add(group[i]!);
        });
      }),
    );
    return revoked;
  }

  /** The fallback: one `EXISTS` per id, routed by the cluster client. */
  async #readEach(keys: readonly string[]): Promise<ReadonlySet<string>> {
    const runner = this.#runner;
    const replies = await Promise.all(keys.map((key) => runner.run((client) => client.exists(key))));
    const revoked = new Set<string>();
    replies.forEach((reply, i) => {
      if (existsReply(reply, 'EXISTS')) revoked.add(keys[i]!);
    });
    return revoked;
  }
}

function readScript(node: NodeClient, keys: string[]): Promise<unknown> {
  const options = { keys: [], arguments: keys };
  if (typeof node.evalSha !== 'function') return node.eval(READ_SCRIPT, options);
  return node.evalSha(READ_SHA, options).catch((error: unknown) => {
    // NOSCRIPT is Redis's error code for "script not cached yet" (a new or restarted server).
    if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
      return node.eval(READ_SCRIPT, options);
    throw error;
  });
}
