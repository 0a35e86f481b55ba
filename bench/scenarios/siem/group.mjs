import senders from './senders.mjs';

/** The `siem` group of bench/run.mjs. */
export default {
  id: 'siem',
  title: 'SIEM destinations',
  intro:
    'The senders of the SIEM destination types ([destinations-siem.md](destinations-siem.md)), ' +
    'measured alone, without the delivery engine.',
  scenarios: [senders],
};
