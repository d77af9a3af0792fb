/**
 * A real, throwaway single `redis-server` on a free loopback port with its own temp dir, for the
 * amnesia tests and the persistence and partition benchmarks. It can be killed (SIGKILL, by pid) and
 * started again on the same port and dir: without persistence it comes back empty, with AOF it
 * replays its log. Never touches any other Redis on the machine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalRedisServerOptions {
  /** `appendonly yes` with this `appendfsync` policy; undefined: no persistence at all. */
  readonly appendfsync?: 'always' | 'everysec' | 'no';
}

export interface LocalRedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** Run `redis-cli -p <port> <args...>` and return its stdout. */
  cli(...args: string[]): Promise<string>;
  /** SIGKILL the server by pid and wait until it exited (a crash: nothing is flushed). */
  kill(): Promise<void>;
  /** Start it again on the same port and dir (after `kill`); resolves when it answers PING. */
  start(): Promise<void>;
  /** Kill it and remove its dir. */
  stop(): Promise<void>;
}

/** True when `redis-server` and `redis-cli` can be run. */
export async function redisServerPresent(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A free loopback port (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLocalRedisServer(
  options: LocalRedisServerOptions = {},
): Promise<LocalRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `th-redis-${port}-`));
  let child: ChildProcess | undefined;
  const persistence =
    options.appendfsync === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', options.appendfsync];
  const cli = async (...args: string[]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const exited = (): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) =>
      c.once('exit', () => {
        resolve();
      }),
    );
  };
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        ...persistence,
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await cli('PING')).trim() === 'PONG') return;
      } catch {
        // not listening yet (or still loading its AOF)
      }
      if (attempt > 200) throw new Error(`redis-server on ${port} did not start`);
      await sleep(25);
    }
  };
  const kill = async (): Promise<void> => {
    child?.kill('SIGKILL');
    await exited();
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    cli,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
