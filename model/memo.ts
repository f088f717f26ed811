// Answers remembered for the keys asked again and again (a city's few accounts, host names and addresses
// come back on every event), up to a bound: past it the memory starts over. A stream of ever new keys (a
// benchmark's millions of accounts, or a scan) then costs the computing again, not memory that grows for
// a quarter of an hour before it falls, as three caches of 50,000 each did.
export const MEMO_LIMIT = 4096;

export function memo<V extends string | boolean>(
  compute: (key: string) => V,
  limit = MEMO_LIMIT,
): (key: string) => V {
  const answers = new Map<string, V>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = compute(key);
      if (answers.size >= limit) answers.clear();
      answers.set(key, answer);
    }
    return answer;
  };
}
