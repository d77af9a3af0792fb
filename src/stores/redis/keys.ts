/**
 * Where the Redis stores put their keys. Every key the admission script touches for one sender (its
 * registry hash, which also holds its revocation mark, and its replay keys) carries the same Redis
 * Cluster hash tag, `{<sender>}`, so they live in one slot and the script runs on one node in one
 * round trip. The tag is harmless on a single Redis. See docs/redis-cluster.md.
 */

const BRACES_OR_PERCENT = /[{}%]/;

/**
 * The hash-tag text of an agent id: the id itself, with `%`, `{` and `}` percent-encoded (a `}` would
 * end the tag early) and the empty id written `%` (an empty tag `{}` is no tag at all). Injective, so
 * two ids never share a key, and readable for the usual ids.
 */
export function hashTagOf(agentId: string): string {
  if (agentId.length === 0) return '%';
  if (!BRACES_OR_PERCENT.test(agentId)) return agentId;
  return agentId.replace(/%/g, '%25').replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}

/** `<prefix>{<agentId>}`: the registry hash of one agent. */
export function agentKey(prefix: string, agentId: string): string {
  return `${prefix}{${hashTagOf(agentId)}}`;
}

/**
 * The sender a replay key names, for keys in the gate's form `<n>:<from_agent>:<nonce>` (`n` the
 * decimal length of `from_agent`, see `replayKey` in the gate); undefined for any other key.
 */
export function senderOfReplayKey(key: string): string | undefined {
  const colon = key.indexOf(':');
  // At most 9 digits: a length prefix beyond that is not the gate's form (and would not fit anyway).
  if (colon < 1 || colon > 9) return undefined;
  for (let i = 0; i < colon; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  if (colon > 1 && key.charCodeAt(0) === 48) return undefined;
  const length = Number(key.slice(0, colon));
  const end = colon + 1 + length;
  if (key.length <= end || key.charCodeAt(end) !== 58) return undefined;
  return key.slice(colon + 1, end);
}

/** `<prefix>{<agentId>}<key>`: a replay key of `agentId`, in its slot next to its registry hash. */
export function senderReplayKey(prefix: string, agentId: string, key: string): string {
  return `${prefix}{${hashTagOf(agentId)}}${key}`;
}

/**
 * Where `RedisReplayStore` keeps `key`: {@link senderReplayKey} of the sender for a key in the gate's
 * form (the same key the admission store writes for that sender), `<prefix>{<key>}` for any other
 * key. The forms never collide: the first always has text after the tag, the second never.
 */
export function replayStoreKey(prefix: string, key: string): string {
  const sender = senderOfReplayKey(key);
  return sender === undefined ? `${prefix}{${hashTagOf(key)}}` : senderReplayKey(prefix, sender, key);
}

/** True when `prefix` would add a hash tag of its own (and so break the stores' slot layout). */
export function hasHashTagCharacters(prefix: string): boolean {
  return prefix.includes('{') || prefix.includes('}');
}
