/**
 * Store benchmark (issue 3, part 1): what one replay check costs next to the Ed25519 verify it guards,
 * measured in the same run on a 160-byte payload. Memory: a store held full at steady state (every
 * insert evicts one expired entry), to show eviction is amortised rather than a scan per insert. Redis
 * (when REDIS_URL answers): one `SET NX PX` round trip per check at concurrency 1, 16 and 64.
 */
import { generateKeyPairSync, randomBytes, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { createClient } from '@redis/client';
import { MemoryReplayStore } from '../src/stores/index.js';
import { RedisReplayStore } from '../src/stores/redis/index.js';
import { compareSync, measureAsync, measureSync, printComparisons, type ComparisonRow } from './harness.js';

export async function run(): Promise<void> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const bytes = randomBytes(160);
  const signature = rawSign(null, bytes, privateKey);
  const verify = (): void => {
    rawVerify(null, bytes, publicKey, signature);
  };

  const rows: ComparisonRow[] = [];
  for (const live of [10_000, 200_000]) {
    // A fake clock that advances 1 ms per check with a TTL of `live` ms keeps exactly `live` entries
    // alive: the store is full, and each insert must first evict the entry that just expired.
    let now = 0;
    const store = new MemoryReplayStore({ maxEntries: live, now: () => now });
    let i = 0;
    for (; i < live; i++, now++) void store.checkAndStore(`agent:a:${i}`, live);
    const result = compareSync(() => {
      void store.checkAndStore(`agent:a:${i++}`, live);
      now++;
    }, verify);
    rows.push({
      name: `memory checkAndStore, full at ${live.toLocaleString('en-US')} live`,
      opsPerSecond: result.candidate,
      baselineName: 'raw Ed25519 verify (node:crypto)',
      baselineOpsPerSecond: result.baseline,
      ratio: result.ratio,
      extra: `size ${store.size}`,
    });
  }

  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const client = createClient({
    url: redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  const connected = await client.connect().then(
    () => true,
    () => false,
  );
  if (connected) {
    const prefix = `th-bench:${randomBytes(8).toString('hex')}:`;
    const store = new RedisReplayStore({ client, keyPrefix: prefix });
    const rawVerifyRate = measureSync(verify).opsPerSecond;
    for (const concurrency of [1, 16, 64]) {
      const total = concurrency === 1 ? 5_000 : 20_000;
      const base = `c${concurrency}:`;
      const result = await measureAsync((n) => store.checkAndStore(`${base}${n}`, 60_000), {
        total,
        concurrency,
      });
      rows.push({
        name: `redis checkAndStore, concurrency ${concurrency}`,
        opsPerSecond: result.opsPerSecond,
        baselineName: 'raw Ed25519 verify (sequential)',
        baselineOpsPerSecond: rawVerifyRate,
        extra: `p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms`,
      });
    }
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  } else {
    console.log(`(Redis at ${redisUrl} unreachable: Redis rows skipped)`);
  }
  printComparisons('replay store check-and-store vs the Ed25519 verify it guards', rows);
}
