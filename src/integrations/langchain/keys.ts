/**
 * Where trusthandoff rides in a LangChain tool call. The envelope and the trace context ride on the
 * tool call object the tool node hands to the tool (a copy made by the middleware: the AI message in
 * the history never holds them), where the tool reads them as `config.toolCall`; the attested output
 * rides back in `ToolMessage.artifact`, which chat models are never sent.
 */

/** Tool-call key: the serialized delegation envelope (a JSON string) authorizing this call. */
export const ENVELOPE_TOOL_CALL_KEY = 'dev.trusthandoff/envelope';
/** Tool-call key: the W3C `traceparent` beside the envelope. */
export const TRACEPARENT_TOOL_CALL_KEY = 'traceparent';
/**
 * `ToolMessage.artifact` key: `{ output }` (the attested output, `serializeNodeOutput` wire JSON) or
 * `{ rejection }` from the verified tool; the middleware adds `verdict`.
 */
export const ARTIFACT_KEY = 'trusthandoff';
