export type {
  ReplayStore,
  RevocationStore,
  AgentRegistry,
  RegisteredAgent,
  OverlapWindow,
  CoordinationLock,
  AdmissionRequest,
  AdmissionVerdict,
  AdmissionStore,
  AdmissionStores,
  AdmissionCapable,
  Invalidation,
  InvalidationFeed,
  InvalidationListener,
  AgentKeyEntry,
  BulkRegistration,
  RegisteredKeyLookup,
} from './types.js';
export { DEFAULT_OVERLAP_WINDOW_SECONDS, isAdmissionCapable, isInvalidationFeed } from './types.js';
export { combineInvalidationFeeds } from './invalidation.js';
export { MemoryAgentRegistry } from './memory/agent-registry.js';
export { MemoryOverlapWindow, type MemoryOverlapWindowOptions } from './memory/overlap-window.js';
export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory/replay-store.js';
export { MemoryRevocationStore } from './memory/revocation-store.js';
export { MemoryCoordinationLock, type MemoryCoordinationLockOptions } from './memory/coordination-lock.js';
export { DEFAULT_LOCK_TTL_SECONDS } from './durations.js';
export { MemoryAdmissionStore, type MemoryAdmissionStoreOptions } from './memory/admission-store.js';
