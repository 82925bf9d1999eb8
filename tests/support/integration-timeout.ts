// Integration tests start emulators and real CLIs; jest's per-project `testTimeout` is not applied.
jest.setTimeout(120_000);
