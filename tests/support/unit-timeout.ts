// A few unit tests build ~10 MB of Parquet or run a whole generator: 5 s is too tight on a busy 2-core
// machine. Set here because jest ignores a per-project `testTimeout`.
jest.setTimeout(20_000);
