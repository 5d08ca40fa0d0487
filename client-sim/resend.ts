import type { Delivered, HttpCall } from './http-call.js';
import type { Metrics } from './metrics.js';
import type { ResponseLoss } from './response-loss.js';

/** A request whose responses keep getting lost is given up, as a real client would. */
const maxResends = 10;

/**
 * POSTs a request that carries a request_id: when its response is lost (a timeout, or dropped on
 * purpose), the same request goes again, as a client that cannot tell whether it was applied.
 * 'unanswered' when it may have been applied but no answer came (given up on included).
 */
export function createResendingPost(call: HttpCall, loss: ResponseLoss, metrics: Metrics) {
  return async function post(server: number, path: string, isReserve: boolean, json: object): Promise<Delivered | 'unanswered' | undefined> {
    for (let resent = 0; ; resent += 1) {
      const reply = await call(server, 'POST', path, isReserve, json);
      if (reply === 'lost') metrics.count('client_timeouts');
      else if (typeof reply === 'object' && loss.dropped()) metrics.count('responses_dropped');
      else {
        if (typeof reply === 'object' && reply.replayed) metrics.count('duplicates_prevented');
        return reply;
      }
      if (resent === maxResends) {
        metrics.count('requests_given_up');
        return 'unanswered';
      }
      metrics.count('requests_resent');
    }
  };
}
