/**
 * Where trusthandoff rides inside a LangGraph state. One state key holds the handoff "slot": the
 * envelope the sending tool minted, the call it is bound to, the trace context beside it, and later
 * the receiving node's attested output or refusal. Everything in the slot is a string or plain JSON,
 * so it survives any checkpointer byte for byte.
 */

/** The default state key of the handoff slot. */
export const HANDOFF_STATE_KEY = 'trusthandoff';

/** The `type` of the value a receiving node passes to `interrupt()` when it needs a signed approval. */
export const APPROVAL_REQUEST_TYPE = 'trusthandoff.approval_request';
