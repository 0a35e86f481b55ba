import type { SetProblem, SsfErrorCode } from '../../domain/signals/ssf-errors.js';

/** The push endpoint: every 400 it answers has the RFC 8935 shape, whatever refused the request. */
export const SSF_RECEIVE_PATH = '/ssf/receive';

/**
 * A SET refused per RFC 8935 section 2.3: answered `{"err": …, "description": …}` (not Cutoff's
 * error shape; transmitters parse this one). 401 when the transmitter is not authenticated (no
 * signature, a wrong one), 403 for `access_denied`, 400 for everything else.
 */
export class SsfReceiveError extends Error {
  override readonly name = 'SsfReceiveError';
  readonly status: 400 | 401 | 403;
  readonly err: SsfErrorCode;
  readonly description: string;

  constructor(problem: SetProblem) {
    super(problem.description);
    this.err = problem.err;
    this.description = problem.description;
    this.status = problem.err === 'authentication_failed' ? 401 : problem.err === 'access_denied' ? 403 : 400;
  }
}
