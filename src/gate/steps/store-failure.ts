/**
 * How a store failure becomes a REJECT reason. Every store step fails closed with its own
 * `…_unavailable` reason; a store that lost its state (its epoch marker is gone or changed, see
 * `RedisStoreState`) is told apart as `store_state_lost`, by the error's class, never its message.
 */
import { StoreStateLostError } from '../../errors.js';
import { rejection, type StepRejection } from '../context.js';
import { REASONS } from '../decision.js';

export const STORE_STATE_LOST: StepRejection = rejection(REASONS.storeStateLost);

/** {@link STORE_STATE_LOST} when `error` says the store lost its state, else `otherwise`. */
export function storeFailure(error: unknown, otherwise: StepRejection): StepRejection {
  return error instanceof StoreStateLostError ? STORE_STATE_LOST : otherwise;
}
