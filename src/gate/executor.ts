/**
 * The executor (SPEC §4): run a task function only after the gate said ACCEPT, and return
 * `(decision "Task executed", result)`. When the gate has revalidation configured, the task
 * runs under a watcher: it receives the watcher's `staleSignal` (aborted the moment the packet is
 * revoked or expires), and a task that finishes after its packet went stale yields REJECT with the
 * stale reason and no result — its output was produced without authority.
 */
import { ConfigurationError, MiddlewareExecutionError } from '../errors.js';
import type { SignedTaskPacket } from '../packet/types.js';
import { REASONS, acceptDecision, rejectDecision, type GateDecision, type StaleReason } from './decision.js';
import type { GateInput } from './parse.js';
import type { HandleOptions, RevalidationCallOptions, HandoffGate } from './handoff-gate.js';
import type { RevalidationWatcher } from './revalidation.js';

export interface TaskContext {
  /** Aborted when the packet goes stale under revalidation (never aborted without it). */
  readonly signal: AbortSignal;
  readonly watcher?: RevalidationWatcher;
}

export type TaskFunction<T> = (packet: SignedTaskPacket, context: TaskContext) => T | Promise<T>;

export interface TaskExecutionResult<T> {
  readonly decision: GateDecision;
  /** Present only when the task ran and its packet was still good when it finished. */
  readonly result?: T;
}

export interface TaskExecutorOptions {
  /** The gate that decides before any task runs. */
  readonly gate: HandoffGate;
  /**
   * Sign the outcome (e.g. with the attestation module); the return value is carried as the decision's
   * `execution_attestation`. Called only for a result that is returned.
   */
  readonly attest?: (packet: SignedTaskPacket, result: unknown) => unknown;
  /** Revalidation for every task (merged over the gate's own configuration). */
  readonly revalidation?: RevalidationCallOptions;
}

export class TaskExecutor {
  readonly #gate: HandoffGate;
  readonly #attest: ((packet: SignedTaskPacket, result: unknown) => unknown) | undefined;
  readonly #revalidation: RevalidationCallOptions;

  constructor(options: TaskExecutorOptions) {
    if (options?.gate === undefined || typeof options.gate.handleWithRevalidation !== 'function') {
      throw new ConfigurationError('executor needs a HandoffGate');
    }
    if (options.attest !== undefined && typeof options.attest !== 'function') {
      throw new ConfigurationError('attest must be a function');
    }
    this.#gate = options.gate;
    this.#attest = options.attest;
    this.#revalidation = options.revalidation ?? {};
  }

  /**
   * Decide on `input` (with per-call expectations, if given); after ACCEPT run `task`. A task that throws rejects with
   * MiddlewareExecutionError (the packet was accepted and its nonce is spent; the cause is attached).
   */
  async execute<T>(
    input: GateInput,
    task: TaskFunction<T>,
    options: HandleOptions = {},
  ): Promise<TaskExecutionResult<T>> {
    if (typeof task !== 'function') throw new ConfigurationError('task must be a function');
    const { decision, watcher } = await this.#gate.handleWithRevalidation(input, {
      ...this.#revalidation,
      ...(options.expect === undefined ? {} : { expect: options.expect }),
    });
    if (decision.decision !== 'ACCEPT') return { decision };
    const packet = decision.packet;
    let result: T;
    try {
      result = await task(
        packet,
        watcher === undefined ? { signal: NEVER } : { signal: watcher.staleSignal, watcher },
      );
    } catch (error) {
      throw new MiddlewareExecutionError('the task failed after its packet was accepted', { cause: error });
    } finally {
      await watcher?.stop();
    }
    if (watcher?.state.staleDetected === true) {
      return {
        decision: rejectDecision(
          packet.packet_id,
          (watcher.state.staleReason ?? 'capability_stale') as StaleReason,
          {
            stale: true,
            is_revocation_stale: watcher.state.isRevocationStale,
          },
        ),
      };
    }
    const attestation = this.#attest === undefined ? undefined : await this.#attest(packet, result);
    return {
      decision: acceptDecision(
        packet,
        decision.chain,
        REASONS.taskExecuted,
        decision.capabilities,
        attestation,
      ),
      result,
    };
  }
}

const NEVER: AbortSignal = new AbortController().signal;
