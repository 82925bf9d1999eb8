/** A pipeline.yml that cannot be used; the message lists every problem, each naming its field. */
export class PipelineConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid pipeline:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'PipelineConfigError';
  }
}
