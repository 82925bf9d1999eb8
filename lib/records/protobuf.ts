/**
 * protobufjs's reader and writer, for KPL aggregates (kpl.ts). `sls package` ships this module as a file of its
 * own beside the handler (lib/deploy/lazy-chunks.ts), loaded by the first aggregated record: protobufjs and
 * long.js are 46 KB that every cold start would parse, and most streams carry no aggregates.
 */
export { Reader, Writer } from 'protobufjs/minimal';
