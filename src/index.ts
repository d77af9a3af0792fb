/**
 * trusthandoff — verifiable task delegation between AI agents.
 * The core entry point: it loads no optional integration (Redis, NATS, …); those have their own paths.
 */
export * from './errors.js';
export * from './wire/index.js';
export * from './identity/index.js';
export * from './packet/index.js';
export * from './stores/index.js';
export * from './events/index.js';
export * from './capability/index.js';
export * from './attestation/index.js';
export * from './gate/index.js';
