import type { UserRef } from '../hooks/evaluate-mapping.js';

/**
 * Subject identifiers of RFC 9493 (and the CAEP complex subject), resolved to what Cutoff can
 * look up. Pure: the lookups happen in the use-case.
 */
export type ResolvedSubject =
  /** Candidate references of one user, tried in order (the first that finds a user wins). */
  | { readonly kind: 'user'; readonly user: readonly UserRef[] }
  /** A Cutoff session, optionally with the user it must belong to. */
  | { readonly kind: 'session'; readonly sessionId: string; readonly user: readonly UserRef[] | null }
  | { readonly kind: 'unsupported'; readonly detail: string };

export interface SubjectIssuers {
  /** Cutoff's own issuer: an `iss_sub` under it names a Cutoff user id. */
  readonly cutoff: string;
  /** The transmitter's issuer: an `iss_sub` under it names the user's id there (SCIM externalId). */
  readonly transmitter: string;
}

type Json = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;

const unsupported = (detail: string): ResolvedSubject => ({ kind: 'unsupported', detail });

/** A simple (not complex) identifier in the user position. */
const userRefs = (id: Json, issuers: SubjectIssuers): readonly UserRef[] | string => {
  switch (id['format']) {
    case 'email': {
      const email = text(id['email']);
      return email === undefined ? 'email subject without an email' : [{ by: 'email', value: email }];
    }
    case 'account': {
      // RFC 9493 section 3.2.1: `acct:` URIs (RFC 7565), user@host.
      const uri = text(id['uri']);
      const email = uri?.startsWith('acct:') === true ? uri.slice(5) : undefined;
      return email === undefined || !email.includes('@')
        ? 'account subject without an acct: URI'
        : [{ by: 'email', value: email }];
    }
    case 'iss_sub': {
      const iss = text(id['iss']);
      const sub = text(id['sub']);
      if (iss === undefined || sub === undefined) return 'iss_sub subject without iss and sub';
      if (iss === issuers.cutoff) return [{ by: 'id', value: sub }];
      if (iss === issuers.transmitter) return [{ by: 'external_id', value: sub }];
      return 'iss_sub subject of an issuer that is neither the transmitter nor Cutoff';
    }
    case 'opaque': {
      const value = text(id['id']);
      // Cutoff's user id first, then the transmitter's own id of the user (SCIM externalId).
      return value === undefined
        ? 'opaque subject without an id'
        : [
            { by: 'id', value },
            { by: 'external_id', value },
          ];
    }
    default:
      return `subject format ${JSON.stringify(id['format'] ?? null).slice(0, 40)} is not supported`;
  }
};

/** The `session` member of a complex subject: an opaque Cutoff session id. */
const sessionIdOf = (id: Json): string | undefined =>
  id['format'] === 'opaque' ? text(id['id']) : undefined;

export const resolveSubject = (subject: unknown, issuers: SubjectIssuers): ResolvedSubject => {
  if (!isObject(subject)) return unsupported('no subject');
  const complex = subject['format'] === 'complex' || subject['format'] === undefined;
  if (!complex) {
    const refs = userRefs(subject, issuers);
    return typeof refs === 'string' ? unsupported(refs) : { kind: 'user', user: refs };
  }
  const userId = subject['user'];
  const sessionId = subject['session'];
  const refs = isObject(userId) ? userRefs(userId, issuers) : undefined;
  if (typeof refs === 'string') return unsupported(refs);
  if (isObject(sessionId)) {
    const id = sessionIdOf(sessionId);
    if (id !== undefined) return { kind: 'session', sessionId: id, user: refs ?? null };
    if (refs === undefined) return unsupported('session subject that is not an opaque id');
  }
  return refs === undefined
    ? unsupported('complex subject without a user or session')
    : { kind: 'user', user: refs };
};
