/**
 * A TCP proxy in front of a real server (Redis), for fail-closed tests and the partition benchmark: the shared server is never
 * stopped, only the path to it. Three failure modes:
 * - `stop()`: the port closes and every connection is reset (server gone; connects are refused);
 * - `stall()`: connections stay open but bytes are held in both directions (a hung server or a
 *   network black hole); `unstall()` delivers them, in order, as TCP would;
 * - `start()` again on the same port: the server is back.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxyOptions {
  readonly targetHost?: string;
  readonly targetPort: number;
  /** Port to listen on (default: any free port, kept across stop/start). */
  readonly port?: number;
}

export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  #port: number;
  #server: Server | undefined;
  #stalled = false;
  readonly #pairs = new Set<readonly [Socket, Socket]>();

  private constructor(options: TcpProxyOptions) {
    this.#targetHost = options.targetHost ?? '127.0.0.1';
    this.#targetPort = options.targetPort;
    this.#port = options.port ?? 0;
  }

  /** Start a proxy to `targetHost:targetPort`; resolves once it listens. */
  static async open(options: TcpProxyOptions): Promise<TcpProxy> {
    const proxy = new TcpProxy(options);
    await proxy.start();
    return proxy;
  }

  /** A proxy to the host and port of a `redis://` URL. */
  static forUrl(url: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(url);
    return TcpProxy.open({ targetHost: hostname, targetPort: Number(port || 6379) });
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  /** Open connections (client side). */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Listen (again) on the proxy's port. */
  start(): Promise<void> {
    if (this.#server !== undefined) return Promise.resolve();
    const server = createServer((client) => {
      this.#accept(client);
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address !== null && typeof address === 'object') this.#port = address.port;
        resolve();
      });
    });
  }

  /** Close the port and reset every open connection. */
  stop(): Promise<void> {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  /** Hold all bytes, both ways, on current and new connections. */
  stall(): void {
    this.#stalled = true;
    for (const [client, upstream] of this.#pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Deliver held bytes and resume forwarding. */
  unstall(): void {
    this.#stalled = false;
    for (const [client, upstream] of this.#pairs) {
      client.resume();
      upstream.resume();
    }
  }

  #accept(client: Socket): void {
    const upstream = connect({ host: this.#targetHost, port: this.#targetPort });
    const pair = [client, upstream] as const;
    this.#pairs.add(pair);
    const teardown = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    // Forward by hand (not pipe) so pause()/resume() alone decide whether bytes flow.
    client.on('data', (chunk) => {
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      client.write(chunk);
    });
    if (this.#stalled) {
      client.pause();
      upstream.pause();
    }
  }
}
