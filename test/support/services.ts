/**
 * Real servers for integration tests. When `CI=true`, a service that cannot be reached fails the suite
 * (a skipped integration test is not a pass); locally the suite is skipped with a visible reason.
 */
import { connect } from 'node:net';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env['POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const IN_CI = process.env['CI'] === 'true';

/** True when a TCP connection to `url`'s host and port opens within `timeoutMs`. */
export function canReach(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/**
 * Resolve whether the Redis suite should run. Throws in CI when Redis is unreachable so that the run
 * fails instead of skipping.
 */
export async function redisAvailable(): Promise<boolean> {
  const reachable = await canReach(REDIS_URL);
  if (!reachable && IN_CI) throw new Error(`CI=true and Redis at ${REDIS_URL} is unreachable`);
  if (!reachable)
    console.warn(`Redis at ${REDIS_URL} is unreachable: Redis suites are skipped (CI=true fails instead)`);
  return reachable;
}

/**
 * Resolve whether the PostgreSQL suites should run. Throws in CI when PostgreSQL is unreachable so
 * that the run fails instead of skipping.
 */
export async function postgresAvailable(): Promise<boolean> {
  const url = new URL(POSTGRES_URL);
  if (url.port === '') url.port = '5432';
  const reachable = await canReach(url.href);
  if (!reachable && IN_CI) throw new Error(`CI=true and PostgreSQL at ${url.host} is unreachable`);
  if (!reachable)
    console.warn(
      `PostgreSQL at ${url.host} is unreachable: PostgreSQL suites are skipped (CI=true fails instead)`,
    );
  return reachable;
}

/**
 * Resolve whether the NATS suites should run. Throws in CI when NATS is unreachable so that the run
 * fails instead of skipping.
 */
export async function natsAvailable(): Promise<boolean> {
  const reachable = await canReach(NATS_URL);
  if (!reachable && IN_CI) throw new Error(`CI=true and NATS at ${NATS_URL} is unreachable`);
  if (!reachable)
    console.warn(`NATS at ${NATS_URL} is unreachable: NATS suites are skipped (CI=true fails instead)`);
  return reachable;
}
