import delivery from './delivery.mjs';

/** The `destinations` group of bench/run.mjs. */
export default {
  id: 'destinations',
  title: 'Audit-stream destinations',
  intro:
    'The delivery engine ([destinations.md](destinations.md)) over real sockets and files on this ' +
    'machine: events per second through `http` (a node:http receiver on 127.0.0.1 that verifies ' +
    'nothing and answers 200) and `file` (JSON Lines, fsync per batch), and the delay from a ' +
    'revocation to its audit event at the receiver. No targets.',
  scenarios: [delivery],
};
