/** Counts for people: `1,200`; with a noun, `1 object`, `2 objects`, `1 batch`, `4 batches`. */
const integer = new Intl.NumberFormat('en-US');

export function formatInteger(count: number): string {
  return integer.format(count);
}

export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${integer.format(count)} ${count === 1 ? noun : plural}`;
}
