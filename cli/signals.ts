// Long-running commands run until Ctrl-C (SIGINT) or SIGTERM.
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    // Signal listeners alone do not keep Node's event loop alive.
    const alive = setInterval(() => undefined, 60_000);
    const stop = () => {
      clearInterval(alive);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
