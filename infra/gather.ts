// Group commit for batch handlers. A consumer hands the partitions of one fetch to several handlers at
// once; where a piece of work costs far more than an item in it (a bulk request, a judgement of every
// session touched, a write that waits for the broker), their items are better done as one piece. Each
// caller still gets its own answer, and a failure of the piece fails every caller in it, so each retries
// (and commits) only its own records.

/**
 * Returns a function that hands `item` to `work` together with every other item handed over in the same
 * turn of the event loop, and resolves with the answer `work` gave for it (`work` answers item by item, in
 * order). While one piece runs, items handed over form the next piece.
 */
export function gathering<T, R>(work: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: T[] = [];
  let piece: Promise<R[]> | undefined;
  return async (item: T): Promise<R> => {
    const index = waiting.length;
    waiting.push(item);
    // setImmediate runs after the callbacks of the I/O that delivered the fetch, so its handlers are all in.
    piece ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const items = waiting;
      waiting = [];
      piece = undefined;
      const answers = await work(items);
      if (answers.length !== items.length)
        throw new Error(`gathered work answered ${answers.length} of its ${items.length} items`);
      return answers;
    });
    const answers = await piece;
    return answers[index] as R;
  };
}

/** `gathering` for work that answers nothing per item: each caller waits for its piece to be done. */
export function gatherInto<T>(work: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  return gathering(async (items: T[]) => {
    await work(items);
    return items.map(() => undefined);
  });
}

/**
 * How many partitions of a fetch a gathering consumer hands to its handlers at once (its
 * `partitionsConcurrently`): more than one member owns, so that a whole fetch is one piece.
 */
export const PARTITIONS_TOGETHER = 64;
