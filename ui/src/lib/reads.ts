// Reads that overlap (a tenant switched, the workspace changed twice) can answer out of order.
// Only the most recent read may fill the view, or an older answer arriving last would show stale
// data — another tenant's, or a timeline without its newest entries.

/** Starts a series of reads; each call to the result starts one and says whether it is still the latest. */
export function readSeries(): () => () => boolean {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
