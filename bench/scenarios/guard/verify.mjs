import process from 'node:process';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { call } from '../../lib/http.mjs';
import { atLeast, fmt, makeResult } from '../../lib/result.mjs';
import { AUDIENCE, ascending, nsSince, percentile, startGuard, startIssuingServer } from './support.mjs';

/** Tokens cycled through on the cached path (as many distinct clients). */
const POOL = 100;
/** Tokens the guard sees for the first time, each timed on its own (one more warms the JWKS up). */
const FIRST = 40;
const BATCHES = 5;
const CHECK_BATCH = 1_000_000;
const VERIFY_BATCH = 200_000;
/** jose's full RS256 verification is ~10,000× slower: batches of this many calls. */
const JOSE_BATCH = 1_500;
const base = { group: 'guard', scenario: 'verify', backend: 'memory' };

/** Median ops/s over `BATCHES` batches of `fn(count)`, which returns its error count. */
const opsPerSecond = async (count, fn) => {
  await fn(Math.min(count, 50_000)); // warm-up
  const rates = [];
  let errors = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    await yieldToLoop(); // let the feed's heartbeats in between batches: the guard stays fresh
    const start = process.hrtime.bigint();
    errors += await fn(count);
    rates.push((count * 1e9) / nsSince(start));
  }
  return { rate: percentile(ascending(rates), 50), rates, errors, calls: count * BATCHES };
};

export default {
  id: 'verify',
  title: 'Token verification: the guard with its cache, against bare jose',
  about:
    `A real server issues RS256 access tokens (${POOL + FIRST + 1} logins of 4 users in 3 groups and ` +
    '2 roles); a guard from the built `@cutoff/guard` is connected to it (snapshot and SSE feed, ' +
    `fresh). Cached path: ${POOL} tokens verified once, then cycled through: \`guard.check(token)\` ` +
    `(synchronous, batches of ${fmt(CHECK_BATCH)} calls) and \`await guard.verify(token)\` (batches ` +
    `of ${fmt(VERIFY_BATCH)} sequential awaits); the median of ${BATCHES} batches after a warm-up. ` +
    'Both still check expiry, the revocation rule and staleness on every call. Baseline: bare ' +
    '`jose.jwtVerify` with `createLocalJWKSet` (the JWKS fetched once, no network) on the same ' +
    'tokens with the same checks (issuer, audience, `typ: at+jwt`, RS256), which verifies the ' +
    `signature every time. First-time cost: ${FIRST} tokens the guard has never seen, each ` +
    '`await guard.verify(token)` timed alone (signature, claims, token subject, cache insert), after ' +
    'one untimed token warmed the key set up.',
  async run(env) {
    const { cutoff, feedKey, tokens } = await startIssuingServer(env, { tokenCount: POOL + FIRST + 1 });
    try {
      const { guard, close } = await startGuard(cutoff.origin, feedKey, 'bench-verify');
      try {
        const pool = tokens.slice(0, POOL);
        const [warmToken, ...fresh] = tokens.slice(POOL);
        await guard.verify(warmToken);

        // First-time verification, one token at a time.
        const firstMs = [];
        for (const token of fresh) {
          const start = process.hrtime.bigint();
          await guard.verify(token);
          firstMs.push(nsSince(start) / 1e6);
        }
        const firstSorted = ascending(firstMs);
        const first = { p50: percentile(firstSorted, 50), p99: percentile(firstSorted, 99) };

        for (const token of pool) await guard.verify(token);
        const check = await opsPerSecond(CHECK_BATCH, (count) => {
          let errors = 0;
          for (let call = 0; call < count; call++) if (guard.check(pool[call % POOL])?.ok !== true) errors++;
          return errors;
        });
        const verify = await opsPerSecond(VERIFY_BATCH, async (count) => {
          let errors = 0;
          for (let call = 0; call < count; call++) {
            const verified = await guard.verify(pool[call % POOL]);
            if (verified.subject === undefined) errors++;
          }
          return errors;
        });

        const { body: jwks } = await call(cutoff.origin, 'GET', '/.well-known/jwks.json');
        const keySet = createLocalJWKSet(jwks);
        const joseOptions = {
          issuer: cutoff.origin,
          audience: AUDIENCE,
          algorithms: ['RS256'],
          typ: 'at+jwt',
        };
        const jose = await opsPerSecond(JOSE_BATCH, async (count) => {
          let errors = 0;
          for (let call = 0; call < count; call++) {
            const { payload } = await jwtVerify(pool[call % POOL], keySet, joseOptions);
            if (typeof payload.sub !== 'string') errors++;
          }
          return errors;
        });

        const status = guard.status();
        const staleErrors = status.degraded ? 1 : 0;
        env.log(
          `  check ${fmt(check.rate)}/s, verify ${fmt(verify.rate)}/s, jose ${fmt(jose.rate)}/s; ` +
            `first verify p50 ${fmt(first.p50)} ms`,
        );
        const rates = (measured) => `batches: ${measured.rates.map(fmt).join(' / ')} /s`;
        return [
          makeResult({
            ...base,
            subject: `guard.check(token), cached (${POOL} tokens)`,
            value: check.rate,
            unit: 'ops/s',
            requests: check.calls,
            errors: check.errors + staleErrors,
            target: atLeast(1_000_000, 'ops/s', '≥ 1,000,000/s (README: well under 1 µs)'),
            notes: `${fmt(1e9 / check.rate)} ns per call; ${rates(check)}`,
          }),
          makeResult({
            ...base,
            subject: `await guard.verify(token), cached (${POOL} tokens)`,
            value: verify.rate,
            unit: 'ops/s',
            requests: verify.calls,
            errors: verify.errors,
            notes: `${fmt(1e9 / verify.rate)} ns per call; ${rates(verify)}`,
          }),
          makeResult({
            ...base,
            subject: 'await jose.jwtVerify(token, createLocalJWKSet(jwks)), RS256',
            value: jose.rate,
            unit: 'ops/s',
            requests: jose.calls,
            errors: jose.errors,
            notes: `${fmt(1e6 / jose.rate)} µs per call; ${rates(jose)}`,
          }),
          makeResult({
            ...base,
            subject: 'ratio guard.check (cached) / bare jose',
            value: check.rate / jose.rate,
            unit: '×',
            notes: `verify (cached) / jose: ${fmt(verify.rate / jose.rate)}×`,
          }),
          makeResult({
            ...base,
            subject: `first guard.verify of a token (${FIRST} tokens, one at a time)`,
            value: first.p50,
            unit: 'ms',
            p50Ms: first.p50,
            p99Ms: first.p99,
            requests: FIRST,
            notes: `worst ${fmt(firstSorted.at(-1))} ms; the server runs in this process, idle meanwhile`,
          }),
        ];
      } finally {
        await close();
      }
    } finally {
      await cutoff.close();
    }
  },
  interpret: (results) => {
    const check = results.find((result) => result.subject.startsWith('guard.check'));
    const jose = results.find((result) => result.subject.includes('jose.jwtVerify'));
    const first = results.find((result) => result.subject.startsWith('first'));
    if (check === undefined || jose === undefined || first === undefined) return '';
    return [
      `A repeat token costs the guard ${fmt(1e9 / check.value)} ns: a lookup in the verified-token ` +
        'cache (keyed by the last 32 characters of the token, then the whole token compared), the ' +
        'expiry, the revocation rule (see the previous scenario) and the staleness clock. Bare jose ' +
        `spends ${fmt(1e6 / jose.value)} µs on the same token, nearly all of it in the RSA ` +
        'signature check, on every call: caching is what lets the guard check the revocation state ' +
        'on every request and still cost less than the signature alone by orders of magnitude. ' +
        '`verify` adds the promise and the `await` to `check`; the middlewares use `check` and ' +
        'only fall back to `verify` for a token they have not seen.',
      `A token seen for the first time costs ${fmt(first.value)} ms (median): one RS256 verification ` +
        'plus decoding, claim checks, deep-freezing the claims and building the token subject. ' +
        'It happens once per token per guard process (a token lives 10 minutes by default), and ' +
        'concurrent requests with the same new token share one verification.',
    ].join('\n\n');
  },
};
