/** Reads one line from the terminal without echoing it (a password). Ctrl-C cancels. */
export const promptHidden = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const input = process.stdin;
    let value = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    // Echo off before the question shows: nothing typed after it appears can be echoed.
    input.setRawMode(true);
    process.stderr.write(question);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });

/** Asks twice, as `passwd` does: a typo in a hidden field would otherwise lock the user out. */
export const promptNewPassword = async (username: string): Promise<string> => {
  const first = await promptHidden(`Password for ${username}: `);
  if (first === '')
    throw new Error('empty password: type one, or pass --no-password to create the user without one');
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw new Error('the passwords did not match; nothing was created');
  return first;
};
