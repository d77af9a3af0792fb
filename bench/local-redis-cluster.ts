/**
 * A real, throwaway Redis Cluster on loopback for tests and benchmarks: `redis-server` in cluster
 * mode on `basePort`..`basePort + 5` (3 masters + 3 replicas, created with `redis-cli --cluster create
 * --cluster-replicas 1`), each node in its own temp dir without persistence. Stopped by pid; never
 * touches any other Redis on the machine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NODES = 6;

export interface LocalRedisClusterOptions {
  /** First of six consecutive ports; the cluster bus uses port + 10000. */
  readonly basePort: number;
  /** `cluster-node-timeout`: how long a master may be unreachable before its replica takes over. */
  readonly nodeTimeoutMs?: number;
}

export interface LocalRedisCluster {
  readonly ports: readonly number[];
  /** Seed nodes for `createCluster({ rootNodes })`. */
  readonly rootNodes: readonly { url: string }[];
  /** Run `redis-cli -p <port> <args...>` and return its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Port of the master that serves `slot`, from the cluster's own view (`CLUSTER SHARDS`). */
  masterOf(slot: number): Promise<number>;
  /** Port of a replica of the master on `masterPort`. */
  replicaOf(masterPort: number): Promise<number>;
  /** Send a signal to one node's process (SIGKILL, SIGSTOP, SIGCONT). */
  signal(port: number, signal: NodeJS.Signals): void;
  /** Resolves when the node's process has exited (after SIGKILL, say). */
  exited(port: number): Promise<void>;
  /** Start a stopped node again on its port and dir: it rejoins from its nodes.conf (as a replica). */
  restart(port: number): Promise<void>;
  /** Resolves when every live node sees all slots served and every replica is in sync. */
  waitUntilHealthy(timeoutMs?: number, skip?: readonly number[]): Promise<void>;
  /** Stop every node by pid and remove the temp dirs. */
  stop(): Promise<void>;
}

/** True when `redis-server` and `redis-cli` can be run. */
export async function redisClusterToolsPresent(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function field(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

export async function startLocalRedisCluster(options: LocalRedisClusterOptions): Promise<LocalRedisCluster> {
  const ports = Array.from({ length: NODES }, (_, i) => options.basePort + i);
  for (const port of ports) {
    if (!(await portFree(port)) || !(await portFree(port + 10_000))) {
      throw new Error(`port ${port} or its cluster bus port ${port + 10_000} is in use`);
    }
  }
  const dirs: string[] = [];
  const processes = new Map<number, ChildProcess>();
  const stop = async (): Promise<void> => {
    for (const child of processes.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await Promise.all(
      [...processes.values()].map((child) =>
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolve) => child.once('exit', resolve)),
      ),
    );
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  const dirOf = new Map<number, string>();
  const spawnNode = (port: number): void => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dirOf.get(port)!,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 1000),
        // A replica whose link was down a while may still take over (the failover tests stall one).
        '--cluster-replica-validity-factor',
        '0',
        '--save',
        '',
        '--appendonly',
        'no',
        '--repl-diskless-sync',
        'yes',
        '--repl-diskless-sync-delay',
        '0',
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    processes.set(port, child);
  };
  const waitForPing = async (port: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await cli(port, 'PING')).trim() === 'PONG') return;
      } catch {
        // not listening yet
      }
      if (attempt > 100) throw new Error(`redis-server on ${port} did not start`);
      await sleep(50);
    }
  };
  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;

  try {
    for (const port of ports) {
      const dir = mkdtempSync(join(tmpdir(), `th-redis-cluster-${port}-`));
      dirs.push(dir);
      dirOf.set(port, dir);
      spawnNode(port);
    }
    for (const port of ports) await waitForPing(port);
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const cluster: LocalRedisCluster = {
    ports,
    rootNodes: ports.slice(0, 3).map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    cli,
    async masterOf(slot) {
      const nodes = await cli(
        ports.find((p) => processes.get(p)?.exitCode === null) ?? ports[0]!,
        'CLUSTER',
        'NODES',
      );
      for (const line of nodes.split('\n')) {
        const parts = line.split(' ');
        if (!parts[2]?.includes('master') || parts[2].includes('fail')) continue;
        for (const range of parts.slice(8)) {
          const [from, to] = range.split('-').map(Number);
          if (from !== undefined && slot >= from && slot <= (to ?? from)) {
            return Number(parts[1]!.split('@')[0]!.split(':')[1]);
          }
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    async replicaOf(masterPort) {
      const info = await cli(masterPort, 'INFO', 'replication');
      const replica = /^slave\d+:.*port=(\d+)/m.exec(info);
      if (replica === null) throw new Error(`master ${masterPort} has no replica`);
      return Number(replica[1]);
    },
    signal(port, signal) {
      processes.get(port)?.kill(signal);
    },
    exited(port) {
      const child = processes.get(port);
      if (child === undefined || child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
    },
    async restart(port) {
      spawnNode(port);
      await waitForPing(port);
    },
    async waitUntilHealthy(timeoutMs = 30_000, skip = []) {
      const deadline = Date.now() + timeoutMs;
      const live = ports.filter((p) => !skip.includes(p));
      for (;;) {
        let healthy = true;
        try {
          for (const port of live) {
            const info = await cli(port, 'CLUSTER', 'INFO');
            if (field(info, 'cluster_state') !== 'ok' || field(info, 'cluster_slots_ok') !== '16384') {
              healthy = false;
              break;
            }
            const replication = await cli(port, 'INFO', 'replication');
            if (
              field(replication, 'role') === 'slave' &&
              (field(replication, 'master_link_status') !== 'up' ||
                field(replication, 'master_sync_in_progress') !== '0')
            ) {
              healthy = false;
              break;
            }
            if (field(replication, 'role') === 'master' && field(info, 'cluster_my_epoch') === undefined) {
              healthy = false;
              break;
            }
          }
        } catch {
          healthy = false;
        }
        if (healthy) return;
        if (Date.now() > deadline) throw new Error('the local Redis Cluster did not become healthy');
        await sleep(50);
      }
    },
    stop,
  };
  try {
    await cluster.waitUntilHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}

export interface LocalRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * One throwaway `redis-server` (no cluster, no persistence) on `port`: the single-Redis side of the
 * cluster benchmark, configured like the cluster's nodes so that the comparison is fair.
 */
export async function startLocalRedis(port: number): Promise<LocalRedis> {
  if (!(await portFree(port))) throw new Error(`port ${port} is in use`);
  const dir = mkdtempSync(join(tmpdir(), `th-redis-${port}-`));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'PING']);
      if (stdout.trim() === 'PONG') break;
    } catch {
      // not listening yet
    }
    if (attempt > 100) {
      await stop();
      throw new Error(`redis-server on ${port} did not start`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
