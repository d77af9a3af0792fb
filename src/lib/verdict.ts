export type Verdict<Reason extends string, Value extends object = object> =
  | ({ readonly ok: true } & Readonly<Value>)
  | { readonly ok: false; readonly reason: Reason; readonly details?: Readonly<Record<string, unknown>> };
