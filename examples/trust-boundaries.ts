/**
 * Trust boundaries (docs/boundaries.md): one inbox, two boundaries. Packets arriving in-process
 * cross into `internal` (a lifetime limit only); packets arriving over HTTPS cross into `partner`,
 * which also wants a capability chain from the company root, a signed approval by alice, a
 * read-only grant, a `summarize` intent and public data. The same envelope is refused at the partner
 * boundary and then accepted internally: a refusal spends no nonce. Run through
 * test/boundaries/example.test.ts, or after `npm run build` with `node dist/examples/trust-boundaries.js`.
 */
import {
  AgentIdentity,
  ApprovalVerifier,
  attachApprovals,
  createDelegationEnvelope,
  HandoffGate,
  issueApproval,
  issueCapability,
  issueTaskPacket,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  serializeCapabilityToken,
  Timestamp,
} from 'trusthandoff';
import { parseBoundaryPolicyText } from 'trusthandoff/boundaries';

// The policy is data: usually a file (`loadBoundaryPolicy('boundaries.yaml')`), checked in CI with
// `trusthandoff boundaries check boundaries.yaml`. Here JSON text, so the example needs no YAML package.
function policyText(companyRoot: string): string {
  return JSON.stringify({
    version: 1,
    default: 'deny', // a packet that crosses into no boundary is refused: boundary_unmatched
    boundaries: [
      { name: 'internal', match: { transports: ['in-process'] }, require: { maxLifetimeSeconds: 3600 } },
      {
        name: 'partner',
        match: { transports: ['https'] },
        require: {
          maxLifetimeSeconds: 300,
          maxDelegationDepth: 1,
          requiredApprovals: { count: 1, approvers: ['human:alice'] },
          requireCapabilityChain: true,
          trustedRoots: [companyRoot],
          allowedIntents: ['summarize'],
          allowedActions: ['read', 'search'],
          allowedDataBoundaries: ['public'],
        },
      },
    ],
  });
}

export async function trustBoundariesExample(): Promise<Record<string, string>> {
  const company = AgentIdentity.generate(); // issues the capabilities partners must hold
  const planner = AgentIdentity.generate();
  const inbox = AgentIdentity.generate();
  const alice = AgentIdentity.generate(); // a human approver

  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  await registry.register(company.agentId, company.publicKeyPem);
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);

  const policy = await parseBoundaryPolicyText(policyText(company.agentId), 'json');
  const gate = new HandoffGate({
    agentId: inbox.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    revocationStore: new MemoryRevocationStore(),
    humanApproval: new ApprovalVerifier({ approvers }),
    boundaries: { policy, approvers }, // stores, clock and events come from the gate
  });

  const capability = issueCapability(company, {
    subject_agent: planner.agentId,
    delegated_permissions: { allowed_actions: ['summarize'], max_tool_calls: 10 },
    constraints: { data_boundary: 'public' },
    expires_at: Timestamp.fromEpochMillis(Date.now() + 3_600_000),
  });
  const delegate = (ttlSeconds: number) => {
    const packet = issueTaskPacket(planner, {
      to_agent: inbox.agentId,
      intent: 'summarize',
      permissions: { allowed_actions: ['read'], max_tool_calls: 3 },
      constraints: { data_boundary: 'public' },
      ttl_seconds: ttlSeconds,
      capability_token: serializeCapabilityToken(capability),
    });
    return attachApprovals(createDelegationEnvelope(packet), [
      issueApproval(packet, alice, { approverId: 'human:alice' }),
    ]);
  };
  const show = (d: { decision: string; reason?: string }): string => `${d.decision} ${d.reason ?? ''}`.trim();
  const https = { arrival: { transport: 'https' } };
  const inProcess = { arrival: { transport: 'in-process' } };

  const out: Record<string, string> = {};
  out['partner'] = show(await gate.handle(delegate(240), https));
  const longLived = delegate(900); // fine inside, too long-lived to cross from outside
  out['longLivedAtPartner'] = show(await gate.handle(longLived, https));
  out['longLivedInternal'] = show(await gate.handle(longLived, inProcess)); // its nonce was not spent
  out['unknownTransport'] = show(await gate.handle(delegate(240), { arrival: { transport: 'smtp' } }));
  return out;
}

if (process.argv[1]?.endsWith('trust-boundaries.js') === true) {
  for (const [what, decision] of Object.entries(await trustBoundariesExample()))
    console.log(`${what.padEnd(20)} ${decision}`);
}
