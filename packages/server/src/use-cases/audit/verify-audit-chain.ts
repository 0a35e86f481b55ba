import { AuditChainVerifier, type ChainVerification } from '../../domain/audit-chain.js';
import type { Store } from '../../ports/storage/store.js';

const BATCH = 5_000;

/** Re-computes every hash of the chain in seq order. */
export const verifyAuditChain = async (store: Store): Promise<ChainVerification> => {
  const verifier = new AuditChainVerifier();
  let after = 0;
  for (;;) {
    const batch = await store.read((r) => r.audit.scan(after, BATCH));
    for (const event of batch) verifier.add(event);
    const last = batch.at(-1);
    if (last === undefined || batch.length < BATCH) break;
    after = last.seq;
  }
  return verifier.result();
};
