// The emulator start/stop helpers live with the local runtime, which uses them too.
export * from '../../../lib/local/emulators';
