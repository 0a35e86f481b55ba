/* eslint-disable no-console -- the CLI's job is to print */

export interface Output {
  readonly json: boolean;
  /** Prints `data` as JSON in --json mode, else the human rendering. */
  result(data: unknown, human: () => string): void;
  info(message: string): void;
  /** To stderr in both modes (JSON output carries the same warning on stdout). */
  warn(message: string): void;
  error(message: string): void;
}

export const createOutput = (json: boolean): Output => ({
  json,
  result(data, human) {
    console.log(json ? JSON.stringify(data, null, 2) : human());
  },
  info(message) {
    if (!json) console.error(message);
  },
  warn(message) {
    console.error(`warning: ${message}`);
  },
  error(message) {
    console.error(json ? JSON.stringify({ error: message }) : `error: ${message}`);
  },
});

/** A plain fixed-width table for human output. */
export const table = (rows: readonly (readonly string[])[]): string => {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};
