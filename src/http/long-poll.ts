import type { Response } from 'express';

/**
 * A long-poll's wait: resolves with what `watch` answers, or after `seconds` with `reread()`;
 * with null when the client went away first. `watch` starts watching and returns its stop, which
 * runs once, at the answer.
 */
export function longPoll<T>(
  res: Response,
  seconds: number,
  watch: (answer: (outcome: Promise<T> | T) => void) => () => void,
  reread: () => Promise<T>,
): Promise<T | null> {
  return new Promise((resolve, reject) => {
    let stop: () => void = () => undefined;
    let answered = false;
    const answer = (outcome: Promise<T | null> | T | null): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      stop();
      res.off('close', gone);
      Promise.resolve(outcome).then(resolve, reject);
    };
    // The response closing before we answered means the client went away.
    const gone = (): void => answer(null);
    const timer = setTimeout(() => answer(reread()), seconds * 1000);
    stop = watch(answer);
    if (answered) stop();
    res.once('close', gone);
  });
}
