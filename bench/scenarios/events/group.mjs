import webhookToFeed from './webhook-to-feed.mjs';

/** The `events` group of bench/run.mjs. */
export default {
  id: 'events',
  title: 'Business events',
  intro:
    'Signed inbound webhooks ([webhooks.md](webhooks.md)) that turn an HR, ITSM or SIEM event into a ' +
    'cutoff. Target: from sending an HR termination to the `user` entry arriving on the revocation ' +
    'feed, median < 50 ms.',
  scenarios: [webhookToFeed],
};
