/**
 * The TCP proxy of the fail-closed tests; it lives in bench/ because the partition benchmark uses it
 * too (see bench/tcp-proxy.ts).
 */
export { TcpProxy, type TcpProxyOptions } from '../../bench/tcp-proxy.js';
