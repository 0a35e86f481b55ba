import type { FastifyReply } from 'fastify';
import { PAGE_CSP } from '../../pages/layout.js';

/** Sends a hosted page with the headers every one of them carries. */
export const sendPage = (reply: FastifyReply, status: number, page: string): FastifyReply =>
  reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    // For browsers that predate frame-ancestors.
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(page);

/** A 303 to `location` (after a POST the browser must GET it), never cached. */
export const redirect = (reply: FastifyReply, location: string): FastifyReply =>
  reply.status(303).header('location', location).header('cache-control', 'no-store').send();
