/** SPEC §8 revalidation watcher, and revocation noticed while a task runs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EventHub,
  MemoryEventSink,
  RevalidationWatcher,
  RevocationConsistencyError,
  Timestamp,
  TaskExecutor,
  revocationRevalidator,
  type RevalidationWatcherOptions,
} from '../support/api.js';
import { T0, fixture } from './support.js';

function watcher(options: Partial<RevalidationWatcherOptions> = {}): RevalidationWatcher {
  return new RevalidationWatcher({
    capabilityId: 'cap-1',
    revalidate: () => true,
    intervalSeconds: 1,
    jitter: 0,
    now: Date.now,
    ...options,
  });
}

describe('revalidation watcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is disabled without a positive interval, and clamps short intervals to 0.5 s', () => {
    expect(watcher({ intervalSeconds: null }).enabled).toBe(false);
    expect(watcher({ intervalSeconds: 0 }).enabled).toBe(false);
    expect(watcher({ intervalSeconds: -1 }).start().state.checks).toBe(0);
    expect(watcher({ intervalSeconds: 0.01 }).intervalSeconds).toBe(0.5);
  });

  it('checks options at construction', () => {
    for (const bad of [
      { jitter: -0.1 },
      { jitter: 1.5 },
      { jitter: Number.NaN },
      { capabilityId: '' },
      { revalidate: 1 as never },
      { intervalSeconds: Number.NaN },
      { expiresAt: 'soon' as never },
    ]) {
      expect(() => watcher(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    }
  });

  it('checks every interval (± jitter) and records what it saw', async () => {
    let calls = 0;
    const w = watcher({ revalidate: () => ++calls > 0, jitter: 0.2, random: () => 1 }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1199);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    expect(w.state).toMatchObject({
      staleDetected: false,
      lastResult: true,
      lastError: null,
      checks: 2,
      lastCheckedAt: T0 + 1200,
      elapsedSeconds: 1.2,
    });
    await w.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(2);
  });

  it('goes stale with revalidation_failed, emits capability_stale once, aborts its signal and stops', async () => {
    const events = new MemoryEventSink();
    const hub = new EventHub({ verifier: { agentId: 'agent:watcher' }, sinks: [events] });
    let calls = 0;
    const w = watcher({ events: hub, revalidate: () => ++calls < 3 }).start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(3);
    expect(w.state).toMatchObject({
      staleDetected: true,
      staleReason: 'revalidation_failed',
      isRevocationStale: false,
    });
    expect(events.snapshot().filter((e) => e.event_type === 'capability_stale')).toEqual([
      expect.objectContaining({
        capability_id: 'cap-1',
        reason: 'revalidation_failed',
        is_revocation_stale: false,
        correlation_id: 'cap-1',
      }),
    ]);
    expect(w.staleSignal.aborted).toBe(true);
    expect(() => {
      w.raiseIfStale();
    }).toThrow(expect.objectContaining({ code: 'ERR_STALE_CAPABILITY', reason: 'revalidation_failed' }));
  });

  it('names the exception when revalidate throws', async () => {
    const w = watcher({
      revalidate: () => {
        throw new TypeError('store exploded');
      },
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.state.staleReason).toBe('revalidation_exception:TypeError:store exploded');
    expect(w.state.lastError).toBe('store exploded');
  });

  it('marks revocation staleness from a RevocationConsistencyError', async () => {
    const w = watcher({
      revalidate: () => Promise.reject(new RevocationConsistencyError('cap-1', 'replicas disagree')),
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.state.isRevocationStale).toBe(true);
    expect(() => {
      w.raiseIfStale();
    }).toThrow(expect.objectContaining({ code: 'ERR_REVOCATION_CONSISTENCY' }));
  });

  it('goes stale when expires_at passes, at that moment rather than at the next check', async () => {
    const w = watcher({ intervalSeconds: 60, expiresAt: Timestamp.fromEpochMillis(T0 + 1500) }).start();
    await vi.advanceTimersByTimeAsync(1499);
    expect(w.isStale).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.state.staleReason).toBe('expired_by_revalidation_watcher');
  });

  it('treats a revalidate call that never answers as a failure', async () => {
    const w = watcher({
      revalidate: () => new Promise<boolean>(() => undefined),
      checkTimeoutMs: 300,
    }).start();
    await vi.advanceTimersByTimeAsync(300);
    expect(w.state.staleReason).toMatch(/^revalidation_exception:TimeoutError:/);
  });

  it('stops on AbortSignal, and stop() waits for a running check', async () => {
    const controller = new AbortController();
    let calls = 0;
    const w = watcher({ signal: controller.signal, revalidate: () => ++calls > 0 }).start();
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(2);
    expect(w.state.checks).toBe(2);
    const aborted = new AbortController();
    aborted.abort();
    const never = watcher({ signal: aborted.signal, revalidate: () => ++calls > 0 }).start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
    await never.stop();

    let release: (v: boolean) => void = () => undefined;
    const slow = watcher({ revalidate: () => new Promise<boolean>((r) => (release = r)) }).start();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = slow.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release(true);
    await stopping;
    expect(stopped).toBe(true);
    await slow.stop();
  });

  it('never keeps the process alive', async () => {
    vi.useRealTimers();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const w = watcher({
      intervalSeconds: 30,
      revalidate: () => new Promise<boolean>(() => undefined),
      checkTimeoutMs: 60_000,
    }).start();
    await new Promise((r) => setImmediate(r));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    expect(w.state.staleDetected).toBe(false);
    void w.stop();
  });
});

describe('revoked capability mid-task', () => {
  it('the watcher goes stale, the task sees its signal abort, and the executor withholds the result', async () => {
    const f = await fixture({ now: Date.now });
    const events = f.events;
    const revalidate = revocationRevalidator({ registry: f.registry, revocationStore: f.revocationStore });
    const executor = new TaskExecutor({
      gate: f.gate,
      revalidation: { intervalSeconds: 0.5, jitter: 0, revalidate },
    });
    const packet = f.packet({ issued_at: Timestamp.fromEpochMillis(Date.now()) });
    let sawAbort = false;
    const outcome = await executor.execute(
      { packet, chain: { packet_ids: [packet.packet_id], agents: [packet.from_agent], hops: [] } },
      async (_p, { signal }) => {
        await f.revocationStore.revoke(packet.packet_id);
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve();
          });
        });
        return 'late result';
      },
    );
    expect(sawAbort).toBe(true);
    expect(outcome.result).toBeUndefined();
    expect(outcome.decision).toMatchObject({
      decision: 'REJECT',
      reason: 'revalidation_failed',
      details: { stale: true },
    });
    expect(
      events
        .snapshot()
        .some((e) => e.event_type === 'capability_stale' && e.capability_id === packet.packet_id),
    ).toBe(true);
  });

  it('handleWithRevalidation returns a running watcher that notices agent revocation', async () => {
    const f = await fixture({ now: Date.now });
    const revalidate = revocationRevalidator({ registry: f.registry });
    const packet = f.packet({ issued_at: Timestamp.fromEpochMillis(Date.now()) });
    const { decision, watcher: w } = await f.gate.handleWithRevalidation(
      { packet, chain: { packet_ids: [packet.packet_id], agents: [packet.from_agent], hops: [] } },
      { intervalSeconds: 0.5, jitter: 0, revalidate },
    );
    expect(decision.decision).toBe('ACCEPT');
    await vi.waitFor(() => {
      expect(w!.state.checks).toBeGreaterThan(0);
    });
    expect(w!.isStale).toBe(false);
    await f.registry.revoke(packet.from_agent);
    await vi.waitFor(
      () => {
        expect(w!.isStale).toBe(true);
      },
      { timeout: 3000 },
    );
    await w!.stop();
  });

  it('gives no watcher for a REJECT and refuses an interval without a revalidate function', async () => {
    const f = await fixture();
    const e = f.envelope();
    await f.gate.handle(e);
    const replay = await f.gate.handleWithRevalidation(e, { intervalSeconds: 1, revalidate: () => true });
    expect(replay.watcher).toBeUndefined();
    await expect(f.gate.handleWithRevalidation(f.envelope(), { intervalSeconds: 1 })).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
    });
  });
});
