/** Counts for people: `1 object`, `2 objects`, `1,200 records`, `1 batch`, `4 batches`. */
const integer = new Intl.NumberFormat('en-US');

export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${integer.format(count)} ${count === 1 ? noun : plural}`;
}
