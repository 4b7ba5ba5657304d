// The scripts report to people (setup output, CI logs), not to log aggregators, so a
// line-oriented callback is all they need; callers decide where lines go or whether
// they are shown at all (setup --quiet).
export type Log = (line: string) => void;

export const consoleLog: Log = (line) => {
  console.log(line);
};

export const silentLog: Log = () => {};
