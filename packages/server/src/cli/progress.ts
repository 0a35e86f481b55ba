import type { Output } from './output.js';

/** Most calls answer in milliseconds: a spinner that appeared at once would only flicker. */
const SHOW_AFTER_MS = 1000;
const FRAME_MS = 100;
const FRAMES = ['|', '/', '-', '\\'];

/**
 * Runs `work`, and if it is still running after a second, shows `label` with a spinner on a
 * terminal's stderr until it settles. Nothing is drawn in --json mode or when stderr is not a
 * terminal, so scripts and pipes see only the result.
 */
export const withProgress = async <T>(out: Output, label: string, work: () => Promise<T>): Promise<T> => {
  const stream = process.stderr;
  if (out.json || !stream.isTTY) return work();
  let frame = 0;
  let drawn = false;
  let spinner: NodeJS.Timeout | undefined;
  const draw = (): void => {
    drawn = true;
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}…`);
  };
  const start = setTimeout(() => {
    draw();
    spinner = setInterval(draw, FRAME_MS);
  }, SHOW_AFTER_MS);
  try {
    return await work();
  } finally {
    clearTimeout(start);
    clearInterval(spinner);
    if (drawn) stream.write('\r\x1b[2K');
  }
};
