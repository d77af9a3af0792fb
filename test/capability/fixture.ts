/** A planner → researcher → writer setup on a fixed clock, shared by the capability tests. */
import {
  AgentIdentity,
  Timestamp,
  CapabilityChainVerifier,
  deriveCapability,
  issueCapability,
  type CapabilityChainVerifierOptions,
  type DelegationCapability,
} from '../support/api.js';
import { identityVector } from '../support/vectors.js';

export const planner: AgentIdentity = AgentIdentity.fromPrivateKeyPem(
  identityVector('planner').private_key_pem,
);
export const researcher: AgentIdentity = AgentIdentity.fromPrivateKeyPem(
  identityVector('researcher').private_key_pem,
);
export const writer: AgentIdentity = AgentIdentity.fromPrivateKeyPem(
  identityVector('writer').private_key_pem,
);
export const mallory: AgentIdentity = AgentIdentity.generate();

export const at = (text: string): Timestamp => Timestamp.parse(text);
/** The fixed "now" of these tests: ten minutes into the root capability's hour. */
export const NOW_MS: number = at('2026-03-08T12:10:00Z').epochMillis;
export const clock = (): number => NOW_MS;

export function rootCapability(
  overrides: { expires_at?: string; max_tool_calls?: number | null; issued_at?: string } = {},
): DelegationCapability {
  return issueCapability(
    planner,
    {
      capability_id: 'cap-root',
      subject_agent: researcher.agentId,
      delegated_permissions: {
        allowed_actions: ['read', 'search', 'summarize', 'file_write'],
        max_tool_calls: overrides.max_tool_calls === undefined ? 10 : overrides.max_tool_calls,
      },
      issued_at: overrides.issued_at ?? '2026-03-08T12:00:00Z',
      expires_at: overrides.expires_at ?? '2026-03-08T13:00:00Z',
    },
    { now: clock },
  );
}

/** root (planner → researcher) → child (researcher → writer) → grandchild (writer → mallory-free agent). */
export function threeLinkChain(): DelegationCapability[] {
  const root = rootCapability();
  const child = deriveCapability(
    root,
    researcher,
    {
      capability_id: 'cap-child',
      subject_agent: writer.agentId,
      delegated_permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
      expires_at: '2026-03-08T12:45:00Z',
    },
    { now: clock },
  );
  const grandchild = deriveCapability(
    child,
    writer,
    {
      capability_id: 'cap-grandchild',
      subject_agent: 'agent:summarizer',
      delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 2 },
      expires_at: '2026-03-08T12:30:00Z',
    },
    { now: clock },
  );
  return [root, child, grandchild];
}

export function verifierFor(options: Partial<CapabilityChainVerifierOptions> = {}): CapabilityChainVerifier {
  return new CapabilityChainVerifier({ trustedRoots: [planner], now: clock, env: {}, ...options });
}
