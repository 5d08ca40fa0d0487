import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/** Responses that never reach the client, which sends the same request again. */
export interface ResendPlan {
  /** Share of responses lost after the server sent them, 0 to 1. */
  dropResponses: number;
  /** The client gives up waiting for a response after this long. */
  clientTimeoutMs?: number;
}

/** Which responses are lost on their way back, drawn from the seed, and how long a client waits for one. */
export function createResponseLoss(plan: (ResendPlan & { seed: number }) | undefined) {
  const rng = xoroshiro128plus(plan?.seed ?? 0);
  return {
    /** Whether the response just received is to be treated as never having arrived. */
    dropped: () => !!plan && plan.dropResponses > 0 && unsafeUniformIntDistribution(0, 999_999, rng) < plan.dropResponses * 1_000_000,
    /** Aborts the wait for a response after --client-timeout-ms; undefined when the client waits as long as the pool does. */
    patience: () => (plan?.clientTimeoutMs ? AbortSignal.timeout(plan.clientTimeoutMs) : undefined),
  };
}

export type ResponseLoss = ReturnType<typeof createResponseLoss>;
