import { URL, URLSearchParams } from 'node:url';
import { Agent, request } from 'undici';

/** Setup calls (users, keys, logins) from the bench process; the measured load runs in a child. */
const agent = new Agent({ connections: 16, keepAliveTimeout: 1_000 });

export const closeSetupAgent = () => agent.close();

/**
 * One HTTP call; resolves to `{status, body}` (body parsed as JSON when it is JSON). Throws on a
 * status outside `expect` so setup failures stop the scenario loudly.
 */
export const call = async (origin, method, path, { json, form, headers = {}, expect = [200, 201] } = {}) => {
  const allHeaders = { ...headers };
  let body;
  if (json !== undefined) {
    allHeaders['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    allHeaders['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const response = await request(new URL(path, origin), {
    method,
    headers: allHeaders,
    body,
    dispatcher: agent,
  });
  const text = await response.body.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!expect.includes(response.statusCode)) {
    throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
  }
  return { status: response.statusCode, body: parsed };
};

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export const mapLimit = async (items, limit, fn) => {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
};
