/**
 * Issue 9.4 for capabilities: every root capability `issueCapability` signs from valid input, and every
 * child `deriveCapability` signs from a valid narrowing, is accepted by the chain verifier — directly
 * and after a token round trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  Timestamp,
  CapabilityChainVerifier,
  parseCapabilityToken,
  deriveCapability,
  serializeCapabilityToken,
  issueCapability,
} from '../support/api.js';
import { anyString } from '../support/arbitraries.js';

const T0 = Date.parse('2026-03-08T12:00:00Z');
const root = AgentIdentity.generate();
const middle = AgentIdentity.generate();
const leaf = AgentIdentity.generate();

const rootInput = fc.record({
  capability_id: fc.option(
    anyString.filter((s) => s.length > 0),
    { nil: undefined },
  ),
  allowed_actions: fc.uniqueArray(anyString, { maxLength: 6 }),
  max_tool_calls: fc.option(fc.nat({ max: 1000 }), { nil: null }),
  constraints: fc.option(
    fc.record({
      max_runtime_seconds: fc.option(fc.nat(), { nil: null }),
      data_boundary: fc.option(anyString, { nil: null }),
      requires_human_review: fc.option(fc.boolean(), { nil: null }),
    }),
    { nil: null },
  ),
  lifetimeSeconds: fc.integer({ min: 1, max: 30 * 86_400 }),
  // Up to the default issuance skew (30 s) ahead of the verifier's clock.
  aheadMs: fc.integer({ min: 0, max: 30_000 }),
  // Which of the root's actions the child keeps, and how much of its budget.
  keep: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  budgetShare: fc.double({ min: 0, max: 1, noNaN: true }),
  childLifetimeShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('issue and derive produce only chains their verifier accepts (issue 9.4)', () => {
  it('random valid inputs → issueCapability → deriveCapability → the chain verifier accepts (property)', async () => {
    const registry = new MemoryAgentRegistry();
    for (const identity of [root, middle, leaf])
      await registry.register(identity.agentId, identity.publicKeyPem);
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [root.agentId],
      registry,
      now: () => T0,
      env: {},
    });
    await fc.assert(
      fc.asyncProperty(rootInput, async (input) => {
        const issuedMs = T0 + input.aheadMs;
        const expiresMs = issuedMs + input.lifetimeSeconds * 1000;
        const parent = issueCapability(
          root,
          {
            ...(input.capability_id === undefined ? {} : { capability_id: input.capability_id }),
            subject_agent: middle.agentId,
            delegated_permissions: {
              allowed_actions: input.allowed_actions,
              max_tool_calls: input.max_tool_calls,
            },
            constraints: input.constraints,
            expires_at: Timestamp.fromEpochMillis(expiresMs),
          },
          { now: () => issuedMs },
        );
        const rootOnly = await verifier.verify([parent], { presenter: middle.agentId });
        expect(rootOnly).toEqual({ ok: true, chain: [parent], leaf: parent });

        const max = input.max_tool_calls;
        const child = deriveCapability(
          parent,
          middle,
          {
            subject_agent: leaf.agentId,
            delegated_permissions: {
              allowed_actions: input.allowed_actions.filter((_, i) => input.keep[i] === true),
              max_tool_calls: max === null ? null : Math.floor(max * input.budgetShare),
            },
            expires_at: Timestamp.fromEpochMillis(
              issuedMs + Math.floor((expiresMs - issuedMs) * input.childLifetimeShare),
            ),
          },
          { now: () => issuedMs },
        );
        expect(await verifier.verify([parent, child], { presenter: leaf.agentId })).toEqual({
          ok: true,
          chain: [parent, child],
          leaf: child,
        });
        // What travels is the token: it decodes to a chain that verifies the same way.
        const decoded = [parent, child].map((c) => parseCapabilityToken(serializeCapabilityToken(c)));
        expect(await verifier.verify(decoded, { presenter: leaf.agentId })).toEqual({
          ok: true,
          chain: decoded,
          leaf: decoded[1],
        });
      }),
      { numRuns: 100 },
    );
  });
});
