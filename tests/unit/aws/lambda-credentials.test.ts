/** lib/aws/lambda-credentials.ts: the environment link of the SDK chain, memoized as the SDK's chain is. */
const chain = jest.fn();
jest.mock('../../../lib/aws/credential-chain', () => ({ defaultProvider: chain }));

import { defaultProvider } from '../../../lib/aws/lambda-credentials';

const ENV = { AWS_ACCESS_KEY_ID: 'AKID1', AWS_SECRET_ACCESS_KEY: 'secret1', AWS_SESSION_TOKEN: 'token1' };

const saved = { ...process.env };
/** fromEnv reads process.env itself: each test sets it. */
function setEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_CREDENTIAL_EXPIRATION',
  ])
    delete process.env[name];
  Object.assign(process.env, env);
  return process.env;
}

beforeEach(() => chain.mockReset());
afterAll(() => {
  process.env = saved;
});

describe('lambda credentials', () => {
  it('reads the environment once and keeps the credentials', async () => {
    // Arrange
    const env = setEnv(ENV);
    const provider = defaultProvider({});

    // Act
    const first = await provider();
    env.AWS_ACCESS_KEY_ID = 'AKID2';
    const second = await provider();

    // Assess
    expect(first).toMatchObject({ accessKeyId: 'AKID1', secretAccessKey: 'secret1', sessionToken: 'token1' });
    expect(second).toBe(first);
    expect(chain).not.toHaveBeenCalled();
  });

  it('reads again when the credentials expire within five minutes, or when asked to refresh', async () => {
    // Arrange
    const env = setEnv({ ...ENV, AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 60_000).toISOString() });
    const provider = defaultProvider({});
    await provider();
    env.AWS_ACCESS_KEY_ID = 'AKID2';

    // Act
    const expiring = await provider();
    env.AWS_ACCESS_KEY_ID = 'AKID3';
    env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + 3_600_000).toISOString();
    const refreshed = await provider({ forceRefresh: true });

    // Assess
    expect(expiring.accessKeyId).toBe('AKID2');
    expect(refreshed.accessKeyId).toBe('AKID3');
  });

  it.each([
    ['no credentials in the environment', {}],
    ['only a key id', { AWS_ACCESS_KEY_ID: 'AKID1' }],
    ['AWS_PROFILE set', { ...ENV, AWS_PROFILE: 'dev' }],
  ])('hands %s to the SDK chain', (_case, env: NodeJS.ProcessEnv) => {
    // Arrange
    const fromChain = jest.fn();
    chain.mockReturnValue(fromChain);
    setEnv(env);

    // Act
    const provider = defaultProvider({ logger: console });

    // Assess
    expect(provider).toBe(fromChain);
    expect(chain).toHaveBeenCalledWith({ logger: console });
  });

  it('hands a profile given to the client to the SDK chain', () => {
    // Arrange
    chain.mockReturnValue(jest.fn());
    setEnv(ENV);

    // Act
    defaultProvider({ profile: 'dev' });

    // Assess
    expect(chain).toHaveBeenCalledWith({ profile: 'dev' });
  });
});
