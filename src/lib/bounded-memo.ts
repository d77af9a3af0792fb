/**
 * Private helper (not exported by the package): a memo of string → value for what callers repeat
 * (a sender's key, its id). At most `limit` entries, the oldest dropped when full; keys longer than
 * `maxKeyLength` are computed every time and never kept, so hostile input cannot make it large.
 * A computation that throws keeps nothing.
 */
export function boundedMemo<V>(
  limit: number,
  maxKeyLength: number,
  compute: (key: string) => V,
): (key: string) => V {
  const entries = new Map<string, V>();
  return (key) => {
    if (key.length > maxKeyLength) return compute(key);
    const cached = entries.get(key);
    if (cached !== undefined) return cached;
    const value = compute(key);
    // Map iterates in insertion order: the first key is the oldest.
    if (entries.size >= limit) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
    return value;
  };
}
