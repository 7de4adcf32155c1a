/** The run layer's stop signal from Ctrl-C: the loop ends after the current step and saves a checkpoint. */
import type { RunSignal } from '../core/run/train.ts';

/** Runs `f` with a signal that Ctrl-C (SIGINT) stops; the handler is removed afterwards. */
export async function withCtrlC<T>(f: (signal: RunSignal) => Promise<T>): Promise<T> {
  const signal = { stopped: false };
  const onSigint = () => {
    signal.stopped = true;
    console.error('\nstopping after this step; saving a checkpoint');
  };
  process.once('SIGINT', onSigint);
  try {
    return await f(signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
