import cycle from './cycle.mjs';

/** The `canary` group of bench/run.mjs. */
export default {
  id: 'canary',
  title: 'Canary',
  intro:
    'The canary ([canary.md](canary.md)) against real guarded apps over HTTP on 127.0.0.1: what one ' +
    'cycle costs, and the time to reject it measures, beside the propagation figures of the guard ' +
    'group. No targets.',
  scenarios: [cycle],
};
