import type { FastifyRequest } from 'fastify';
import type { Actor, AuditRequestInfo } from '../domain/records.js';
import type { RequestContext } from '../use-cases/context.js';

const MAX_USER_AGENT = 512;

export const requestInfo = (request: FastifyRequest): AuditRequestInfo => {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    user_agent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
  };
};

export const requestContext = (request: FastifyRequest, actor: Actor): RequestContext => ({
  actor,
  request: requestInfo(request),
});
