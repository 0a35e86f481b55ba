import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { CutoffError } from '../../domain/errors.js';
import {
  findHostileValue,
  MAX_INPUT_DEPTH,
  type HostileValueProblem,
} from '../../domain/input/hostile-value.js';

const describe = (problem: HostileValueProblem, where: string): string =>
  problem.kind === 'nul'
    ? `The ${where} contains a NUL character at ${problem.at}; remove it.`
    : `The ${where} nests deeper than ${MAX_INPUT_DEPTH} levels at ${problem.at}.`;

/**
 * For a preValidation hook (after authentication, which runs in onRequest, and after parsing, before
 * the schema and any handler): input that would reach the store as a NUL byte or recursive code
 * as a 3,000-level tree is refused here, in one place, for every route. A path id no resource can
 * have is 404, like any unknown id; a query or body value is 400.
 */
const hostileInputError = (request: FastifyRequest): CutoffError | undefined => {
  if (findHostileValue(request.params) !== undefined)
    return new CutoffError('ERR_NOT_FOUND', { message: 'No such resource.' });
  const inQuery = findHostileValue(request.query);
  if (inQuery !== undefined)
    return new CutoffError('ERR_VALIDATION', { message: describe(inQuery, 'query string') });
  const inBody = findHostileValue(request.body);
  if (inBody !== undefined)
    return new CutoffError('ERR_VALIDATION', { message: describe(inBody, 'request body') });
  return undefined;
};

export const refuseHostileInput = (
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void => {
  const error = hostileInputError(request);
  if (error === undefined) done();
  else done(error);
};
