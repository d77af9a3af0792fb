/**
 * Everything the tests reach for, public entries and internal barrels alike, in one import. Tests
 * may test internals; the public surface itself is pinned by test/public-surface.test.ts.
 */
export * from '../../src/index.js';
export * from '../../src/errors.js';
export * from '../../src/wire/index.js';
export * from '../../src/identity/index.js';
export * from '../../src/packet/index.js';
export * from '../../src/stores/index.js';
export * from '../../src/events/index.js';
export * from '../../src/capability/index.js';
export * from '../../src/attestation/index.js';
export * from '../../src/approval/index.js';
export * from '../../src/gate/index.js';
export * from '../../src/reference/index.js';
