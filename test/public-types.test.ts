/**
 * The public types, pinned at the type level (checked by `npm run typecheck`, which compiles tests):
 * the decision union narrows on `decision`, every verifier returns the `{ ok }` verdict shape, the
 * gate's options require what a safe gate needs, and the errors narrow on `code`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  AcceptDecision,
  CapabilityChainVerdict,
  GateDecision,
  HandleOptions,
  HandoffGate,
  HandoffGateOptions,
  PacketVerdict,
  RejectReason,
  SignedTaskPacket,
  TrustHandoffErrors,
  verifyAttestation,
  verifyNodeOutput,
} from 'trusthandoff';
import type {
  AttestationVerdict,
  CapabilityEnvelopeVerdict,
  ExecutionVerdict,
  ValidationVerdict,
} from 'trusthandoff/gate';

describe('public types', () => {
  it('the decision narrows on `decision`: ACCEPT carries the packet, REJECT a RejectReason', () => {
    const decide = (d: GateDecision): string => {
      if (d.decision === 'ACCEPT') {
        expectTypeOf(d).toEqualTypeOf<AcceptDecision>();
        expectTypeOf(d.packet).toEqualTypeOf<SignedTaskPacket>();
        return d.packet.packet_id;
      }
      expectTypeOf(d.reason).toEqualTypeOf<RejectReason>();
      return d.reason;
    };
    expectTypeOf(decide).returns.toBeString();
    expectTypeOf<HandoffGate['handle']>().parameters.toEqualTypeOf<
      [input: Parameters<HandoffGate['handle']>[0], options?: HandleOptions]
    >();
    expectTypeOf<ReturnType<HandoffGate['handle']>>().toEqualTypeOf<Promise<GateDecision>>();
  });

  it('reasons are closed strings: protocol, ours, and custom:… for your own steps', () => {
    expectTypeOf<'Invalid signature'>().toExtend<RejectReason>();
    expectTypeOf<'Replay detected'>().toExtend<RejectReason>();
    expectTypeOf<'tool_arguments_mismatch'>().toExtend<RejectReason>();
    expectTypeOf<'custom:no-deletes'>().toExtend<RejectReason>();
    expectTypeOf<'made up'>().not.toExtend<RejectReason>();
  });

  it('every verifier returns { ok: true, … } | { ok: false, reason, details? }', () => {
    type Failure<V> = Extract<V, { ok: false }>;
    type Success<V> = Extract<V, { ok: true }>;
    expectTypeOf<Success<PacketVerdict>['packet']>().toEqualTypeOf<SignedTaskPacket>();
    expectTypeOf<Failure<PacketVerdict>['reason']>().toBeString();
    expectTypeOf<Failure<CapabilityChainVerdict>['reason']>().toBeString();
    expectTypeOf<Failure<CapabilityEnvelopeVerdict>['reason']>().toBeString();
    expectTypeOf<Failure<ValidationVerdict>['reason']>().toBeString();
    expectTypeOf<Failure<AttestationVerdict>['reason']>().toBeString();
    expectTypeOf<Failure<ExecutionVerdict<number>>['reason']>().toBeString();
    expectTypeOf<Success<ExecutionVerdict<number>>['result']>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ReturnType<typeof verifyNodeOutput>>>().toHaveProperty('ok');
    expectTypeOf<ReturnType<typeof verifyAttestation>>().not.toBeNever();
  });

  it('a gate cannot be configured without an inbox and a replay store', () => {
    expectTypeOf<HandoffGateOptions>().toHaveProperty('agentId').toEqualTypeOf<string>();
    expectTypeOf<HandoffGateOptions['replayStore']>().not.toBeUndefined();
    // @ts-expect-error — replayStore is required: there is no silent per-process default
    const missing: HandoffGateOptions = { agentId: 'a' };
    expectTypeOf(missing).not.toBeNever();
  });

  it('errors narrow on code', () => {
    const code = (e: TrustHandoffErrors): string =>
      e.code === 'ERR_CAPABILITY_DERIVATION' ? e.reason : e.code;
    expectTypeOf(code).returns.toBeString();
  });
});
