import { fmt, verdict } from './result.mjs';

const valueText = (result) => (result.value === null ? '–' : `${fmt(result.value)} ${result.unit}`.trim());
const targetText = (result) => result.target?.text ?? '–';
const count = (value) => (value === null ? '–' : Math.round(value).toLocaleString('en-US'));

const COLUMNS = [
  ['scenario', (result) => result.scenario],
  ['backend', (result) => result.backend],
  ['measured', (result) => result.subject],
  ['result', valueText],
  ['p50 ms', (result) => fmt(result.p50Ms)],
  ['p99 ms', (result) => fmt(result.p99Ms)],
  ['requests', (result) => count(result.requests)],
  ['CPU µs/req', (result) => fmt(result.cpuUsPerRequest)],
  ['errors', (result) => String(result.errors)],
  ['target', targetText],
  ['verdict', verdict],
];

/** A plain-text table for the terminal. */
export const textTable = (results) => {
  const rows = [
    COLUMNS.map(([title]) => title),
    ...results.map((result) => COLUMNS.map(([, cell]) => cell(result))),
  ];
  const widths = COLUMNS.map((_, index) => Math.max(...rows.map((row) => row[index].length)));
  const line = (row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0]),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
};

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

const verdictMd = (result) => {
  const text = verdict(result);
  return text === 'FAIL' ? '**FAIL**' : text;
};

/** The results table of one scenario, in Markdown. */
export const markdownTable = (results) => {
  const header = [
    'backend',
    'measured',
    'result',
    'p50',
    'p99',
    'requests',
    'errors',
    'server CPU / request',
    'target',
    'verdict',
    'notes',
  ];
  const rows = results.map((result) => [
    result.backend,
    result.subject,
    `**${valueText(result)}**`,
    result.p50Ms === null ? '–' : `${fmt(result.p50Ms)} ms`,
    result.p99Ms === null ? '–' : `${fmt(result.p99Ms)} ms`,
    count(result.requests),
    result.errors > 0 ? `**${result.errors}**` : '0',
    result.cpuUsPerRequest === null ? '–' : `${fmt(result.cpuUsPerRequest)} µs`,
    targetText(result),
    verdictMd(result),
    result.notes || '',
  ]);
  return [header, header.map(() => '---'), ...rows]
    .map((row) => `| ${row.map(cell).join(' | ')} |`)
    .join('\n');
};
