import { describeFailure } from '../../../lib/cli/local';
import { LocalRunError } from '../../../lib/local/runtime';

describe('a failed local run names where it failed and what answered', () => {
  it('keeps the phase the run failed in and the cause', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:4569');
    const failed = new LocalRunError('mirroring the bucket to disk', cause);
    expect(failed.phase).toBe('mirroring the bucket to disk');
    expect(failed.cause).toBe(cause);
    expect(failed.message).toBe(
      'failed while mirroring the bucket to disk: connect ECONNREFUSED 127.0.0.1:4569',
    );
  });

  it("names an AWS error's code and HTTP status, whose own message says little", () => {
    const error = Object.assign(new Error('We encountered an internal error. Please try again.'), {
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    expect(describeFailure(error)).toBe(
      'InternalError (HTTP 500) from the emulator: We encountered an internal error. Please try again.',
    );
  });

  it('prints other errors and values as they are', () => {
    expect(describeFailure(new TypeError('x is not a function'))).toBe('x is not a function');
    expect(describeFailure('plain')).toBe('plain');
  });
});
