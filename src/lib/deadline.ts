/**
 * Private helper (not exported by the package): bound a promise in time. Used by every caller that
 * must fail closed when something does not answer — store calls, Redis commands, revalidation.
 */

/**
 * Settle like `promise`, or reject with `onTimeout()` once `timeoutMs` passes. A rejection of
 * `promise` is mapped through `onError`. The timer never keeps the process alive.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
  onError: (error: unknown) => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(onTimeout());
    }, timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(onError(error));
      },
    );
  });
}

/** Call `fn`; a synchronous throw becomes a rejection mapped through `onError`. */
export function attempt<T>(fn: () => T | Promise<T>, onError: (error: unknown) => Error): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(onError(error));
  }
}
