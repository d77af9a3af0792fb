/**
 * A boundary policy as data: which trust boundaries exist, which packets cross into each (matched by
 * the sender's agent-id group, a registry namespace, or the transport the packet arrived on), and
 * what a packet must satisfy to cross. {@link parseBoundaryPolicy} validates any JavaScript value —
 * parsed JSON or YAML, or an object literal — into a frozen {@link BoundaryPolicy}, or throws a
 * {@link BoundaryPolicyError} naming the path of the first bad field. Unknown fields are errors: a
 * misspelt requirement must never be silently dropped from a security policy.
 *
 * This module is pure: no I/O, no stores. Loading files is `./load.ts`; enforcing is `./step.ts`.
 */
import { BoundaryPolicyError } from '../errors.js';
import { parsePublicKeyPem } from '../identity/keys.js';

/** The policy format version this library reads. */
export const BOUNDARY_POLICY_VERSION = 1;

/** Longest list in a policy (agents, prefixes, intents, …) and most boundaries in one policy. */
export const MAX_POLICY_LIST_LENGTH = 1024;
/** Longest string value in a policy (ids, prefixes, intents), UTF-16 code units. */
export const MAX_POLICY_STRING_LENGTH = 1024;
/** Boundary names: a letter or digit, then letters, digits, `.`, `_`, `:` or `-`; at most 128. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_PEM_LENGTH = 4096;

/**
 * Which packets cross into a boundary. Each criterion given must hold (they combine with AND); within
 * one criterion any listed value will do (OR). At least one criterion is required.
 */
export interface BoundaryMatch {
  /** Sender group by explicit ids: `from_agent` is one of these. Combines with {@link agentPrefixes} by OR. */
  readonly agents?: readonly string[];
  /** Sender group by prefix: `from_agent` starts with one of these. */
  readonly agentPrefixes?: readonly string[];
  /**
   * Registry namespaces: the sender is registered in one of these registries (given to the step as
   * `namespaces: { name: registry }`). Registered is enough to match, revoked or not: matching only
   * ever adds requirements.
   */
  readonly namespaces?: readonly string[];
  /** The transport the caller says the packet arrived on (`arrival.transport`) is one of these. */
  readonly transports?: readonly string[];
}

/** A root a boundary trusts for capability chains: an agent id, or an id with its pinned key. */
export type BoundaryTrustedRoot = string | { readonly agentId: string; readonly publicKeyPem?: string };

/** Signed approvals a packet needs to cross (verified by the library's `ApprovalVerifier`). */
export interface BoundaryApprovals {
  /** Approvals needed, by distinct approver keys. */
  readonly count: number;
  /** Only approvals by these approver ids count (default: any registered approver). */
  readonly approvers?: readonly string[];
}

/** What a packet crossing into the boundary must satisfy. Absent fields are not checked. */
export interface BoundaryRequirements {
  /** Longest lifetime `expires_at − issued_at`, seconds (on top of the gate's own maximum). */
  readonly maxLifetimeSeconds?: number;
  /** Deepest delegation, counted as the gate's chain step counts it (on top of the gate's `maxDepth`). */
  readonly maxDelegationDepth?: number;
  /** Signed approvals of this packet, whether or not it requires human review. */
  readonly requiredApprovals?: BoundaryApprovals;
  /** The packet must carry a capability chain that verifies from one of {@link trustedRoots}. */
  readonly requireCapabilityChain?: boolean;
  /** Required with `requireCapabilityChain: true`, and only then. */
  readonly trustedRoots?: readonly BoundaryTrustedRoot[];
  /** `packet.intent` must be one of these. */
  readonly allowedIntents?: readonly string[];
  /** Every action in `packet.permissions.allowed_actions` must be one of these. */
  readonly allowedActions?: readonly string[];
  /**
   * The packet's `constraints.data_boundary`, and the verified capability leaf's, must be one of these;
   * a packet that declares no data boundary anywhere does not cross.
   */
  readonly allowedDataBoundaries?: readonly string[];
}

export interface Boundary {
  /** Unique within the policy; appears in reasons' details and events. */
  readonly name: string;
  readonly description?: string;
  readonly match: BoundaryMatch;
  readonly require: BoundaryRequirements;
}

export interface BoundaryPolicy {
  readonly version: typeof BOUNDARY_POLICY_VERSION;
  /**
   * What happens to a packet that crosses into no boundary: `deny` (the default) refuses it with
   * `boundary_unmatched`; `allow` lets it through with the gate's own checks only.
   */
  readonly default: 'deny' | 'allow';
  /** Every boundary a packet matches applies, in this order; the first requirement it fails decides. */
  readonly boundaries: readonly Boundary[];
}

const POLICY_FIELDS = new Set(['version', 'default', 'boundaries']);
const BOUNDARY_FIELDS = new Set(['name', 'description', 'match', 'require']);
const MATCH_FIELDS = new Set(['agents', 'agentPrefixes', 'namespaces', 'transports']);
const REQUIRE_FIELDS = new Set([
  'maxLifetimeSeconds',
  'maxDelegationDepth',
  'requiredApprovals',
  'requireCapabilityChain',
  'trustedRoots',
  'allowedIntents',
  'allowedActions',
  'allowedDataBoundaries',
]);
const APPROVAL_FIELDS = new Set(['count', 'approvers']);
const ROOT_FIELDS = new Set(['agentId', 'publicKeyPem']);

/**
 * Validates `value` as a boundary policy and returns a frozen copy of it, with defaults written out.
 * Throws {@link BoundaryPolicyError} (code `ERR_BOUNDARY_POLICY`) naming the first bad field's path.
 * Each field is read once, so a getter or Proxy cannot answer differently later; a value that cannot
 * be read at all (a throwing getter) is a BoundaryPolicyError too.
 */
export function parseBoundaryPolicy(value: unknown): BoundaryPolicy {
  try {
    return readPolicy(value);
  } catch (error) {
    if (error instanceof BoundaryPolicyError) throw error;
    throw new BoundaryPolicyError('$', 'could not be read', { cause: error });
  }
}

function fail(path: string, problem: string): never {
  throw new BoundaryPolicyError(path, problem);
}

function readObject(value: unknown, path: string, fields: ReadonlySet<string>): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be an object');
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(path, 'must be a plain object');
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!fields.has(key)) fail(`${path}.${fieldName(key)}`, 'unknown field');
    out[key] = (value as Record<string, unknown>)[key];
  }
  return out;
}

// A field name from untrusted input, shown in a path: short, one line.
function fieldName(key: string): string {
  const clean = key.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

function readString(value: unknown, path: string, max = MAX_POLICY_STRING_LENGTH): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  if (value.length > max) fail(path, `must be at most ${max} characters`);
  return value;
}

function readStringList(value: unknown, path: string): readonly string[] {
  if (!Array.isArray(value)) fail(path, 'must be a list of strings');
  const length = value.length;
  if (length === 0) fail(path, 'must not be empty');
  if (length > MAX_POLICY_LIST_LENGTH) fail(path, `must have at most ${MAX_POLICY_LIST_LENGTH} entries`);
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(readString((value as unknown[])[i], `${path}[${i}]`));
  return Object.freeze(out);
}

function readPositiveNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0))
    fail(path, 'must be a positive number');
  return value;
}

function readPositiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    fail(path, 'must be an integer ≥ 1');
  return value;
}

function readPolicy(value: unknown): BoundaryPolicy {
  const raw = readObject(value, '$', POLICY_FIELDS);
  if (raw['version'] === undefined) fail('$.version', `is required (${BOUNDARY_POLICY_VERSION})`);
  if (raw['version'] !== BOUNDARY_POLICY_VERSION)
    fail('$.version', `must be ${BOUNDARY_POLICY_VERSION} (the only policy version this library reads)`);
  const fallback = raw['default'] ?? 'deny';
  if (fallback !== 'deny' && fallback !== 'allow') fail('$.default', 'must be "deny" or "allow"');
  const list = raw['boundaries'];
  if (list === undefined) fail('$.boundaries', 'is required');
  if (!Array.isArray(list)) fail('$.boundaries', 'must be a list of boundaries');
  const length = list.length;
  if (length === 0) fail('$.boundaries', 'must not be empty');
  if (length > MAX_POLICY_LIST_LENGTH)
    fail('$.boundaries', `must have at most ${MAX_POLICY_LIST_LENGTH} boundaries`);
  const boundaries: Boundary[] = [];
  const names = new Set<string>();
  for (let i = 0; i < length; i++) {
    const boundary = readBoundary((list as unknown[])[i], `$.boundaries[${i}]`);
    if (names.has(boundary.name))
      fail(`$.boundaries[${i}].name`, `duplicate boundary name "${boundary.name}"`);
    names.add(boundary.name);
    boundaries.push(boundary);
  }
  return Object.freeze({
    version: BOUNDARY_POLICY_VERSION,
    default: fallback,
    boundaries: Object.freeze(boundaries),
  });
}

function readBoundary(value: unknown, path: string): Boundary {
  const raw = readObject(value, path, BOUNDARY_FIELDS);
  const nameValue = raw['name'];
  if (nameValue === undefined) fail(`${path}.name`, 'is required');
  if (typeof nameValue !== 'string' || !NAME_PATTERN.test(nameValue))
    fail(
      `${path}.name`,
      'must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    );
  const description =
    raw['description'] === undefined
      ? undefined
      : readString(raw['description'], `${path}.description`, MAX_DESCRIPTION_LENGTH);
  if (raw['match'] === undefined) fail(`${path}.match`, 'is required');
  const match = readMatch(raw['match'], `${path}.match`);
  const require = raw['require'] === undefined ? EMPTY : readRequirements(raw['require'], `${path}.require`);
  return Object.freeze({
    name: nameValue,
    ...(description === undefined ? {} : { description }),
    match,
    require,
  });
}

const EMPTY: BoundaryRequirements = Object.freeze({});

function readMatch(value: unknown, path: string): BoundaryMatch {
  const raw = readObject(value, path, MATCH_FIELDS);
  const out: { -readonly [K in keyof BoundaryMatch]: BoundaryMatch[K] } = {};
  for (const key of MATCH_FIELDS) {
    const field = raw[key];
    if (field !== undefined) out[key as keyof BoundaryMatch] = readStringList(field, `${path}.${key}`);
  }
  if (Object.keys(out).length === 0)
    fail(path, 'needs at least one of agents, agentPrefixes, namespaces, transports');
  return Object.freeze(out);
}

function readRequirements(value: unknown, path: string): BoundaryRequirements {
  const raw = readObject(value, path, REQUIRE_FIELDS);
  const out: { -readonly [K in keyof BoundaryRequirements]: BoundaryRequirements[K] } = {};
  if (raw['maxLifetimeSeconds'] !== undefined)
    out.maxLifetimeSeconds = readPositiveNumber(raw['maxLifetimeSeconds'], `${path}.maxLifetimeSeconds`);
  if (raw['maxDelegationDepth'] !== undefined)
    out.maxDelegationDepth = readPositiveInteger(raw['maxDelegationDepth'], `${path}.maxDelegationDepth`);
  if (raw['requiredApprovals'] !== undefined)
    out.requiredApprovals = readApprovals(raw['requiredApprovals'], `${path}.requiredApprovals`);
  const requireChain = raw['requireCapabilityChain'];
  if (requireChain !== undefined && typeof requireChain !== 'boolean')
    fail(`${path}.requireCapabilityChain`, 'must be true or false');
  if (requireChain === true) {
    if (raw['trustedRoots'] === undefined)
      fail(`${path}.trustedRoots`, 'is required when requireCapabilityChain is true');
    out.requireCapabilityChain = true;
    out.trustedRoots = readRoots(raw['trustedRoots'], `${path}.trustedRoots`);
  } else if (raw['trustedRoots'] !== undefined) {
    fail(`${path}.trustedRoots`, 'only applies with requireCapabilityChain: true');
  }
  for (const key of ['allowedIntents', 'allowedActions', 'allowedDataBoundaries'] as const) {
    if (raw[key] !== undefined) out[key] = readStringList(raw[key], `${path}.${key}`);
  }
  return Object.freeze(out);
}

function readApprovals(value: unknown, path: string): BoundaryApprovals {
  const raw = readObject(value, path, APPROVAL_FIELDS);
  if (raw['count'] === undefined) fail(`${path}.count`, 'is required');
  const count = readPositiveInteger(raw['count'], `${path}.count`);
  if (raw['approvers'] === undefined) return Object.freeze({ count });
  const approvers = readStringList(raw['approvers'], `${path}.approvers`);
  if (new Set(approvers).size < count)
    fail(`${path}.count`, `needs ${count} approvers but only ${new Set(approvers).size} distinct are listed`);
  return Object.freeze({ count, approvers });
}

function readRoots(value: unknown, path: string): readonly BoundaryTrustedRoot[] {
  if (!Array.isArray(value)) fail(path, 'must be a list of agent ids or {agentId, publicKeyPem}');
  const length = value.length;
  if (length === 0) fail(path, 'must not be empty');
  if (length > MAX_POLICY_LIST_LENGTH) fail(path, `must have at most ${MAX_POLICY_LIST_LENGTH} entries`);
  const out: BoundaryTrustedRoot[] = [];
  for (let i = 0; i < length; i++) {
    const entry: unknown = (value as unknown[])[i];
    const at = `${path}[${i}]`;
    if (typeof entry === 'string') {
      out.push(readString(entry, at));
      continue;
    }
    const raw = readObject(entry, at, ROOT_FIELDS);
    if (raw['agentId'] === undefined) fail(`${at}.agentId`, 'is required');
    const agentId = readString(raw['agentId'], `${at}.agentId`);
    if (raw['publicKeyPem'] === undefined) {
      out.push(Object.freeze({ agentId }));
      continue;
    }
    const publicKeyPem = readString(raw['publicKeyPem'], `${at}.publicKeyPem`, MAX_PEM_LENGTH);
    try {
      parsePublicKeyPem(publicKeyPem);
    } catch {
      fail(`${at}.publicKeyPem`, 'must be an Ed25519 public key (SPKI PEM)');
    }
    out.push(Object.freeze({ agentId, publicKeyPem }));
  }
  return Object.freeze(out);
}
