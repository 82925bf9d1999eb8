import { closestMatch, didYouMean } from '../../../lib/text/suggest';

const FUNCTIONS = ['streamConsumer', 'firehoseTransformer', 'partitionKeys', 'parquetConverter'];

describe('closestMatch', () => {
  it.each([
    ['streamconsumer', FUNCTIONS, 'streamConsumer'],
    ['stream-consumer', FUNCTIONS, 'streamConsumer'],
    ['parquetConvertor', FUNCTIONS, 'parquetConverter'],
    ['--cont', ['--count', '--rate', '--seed'], '--count'],
    ['alpah', ['alpha', 'beta'], 'alpha'],
    ['s4', ['s3', 'firehose'], 's3'],
    ['partitoning', ['partitioning', 'conversion', 'analytics'], 'partitioning'],
  ])('%s means %s', (word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });

  it.each([
    ['xyz', ['--count', '--rate']],
    ['ab', ['s3']],
    ['mask', ['add', 'drop']],
    ['windowAggregator', FUNCTIONS],
    ['anything', []],
    ['', ['a']],
  ])('%s is close to none of %j', (word, candidates) => {
    expect(closestMatch(word, candidates)).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('quotes the match for a message, and says nothing when none is close', () => {
    expect(didYouMean('genrate', ['local', 'generate'])).toBe(' (did you mean "generate"?)');
    expect(didYouMean('--sed', ['--seed'], '')).toBe(' (did you mean --seed?)');
    expect(didYouMean('zzz', ['local', 'generate'])).toBe('');
  });
});
