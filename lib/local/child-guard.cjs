/**
 * Runs a command as a child that dies with `kpipe local`: usage node child-guard.cjs <command> [args...].
 * The parent holds this process's stdin; when it ends (the parent exited, even by SIGKILL) the command is
 * stopped. The command runs in its own process group, so a terminal Ctrl-C reaches only the parent, which
 * drains before stopping its emulators.
 */
const { spawn } = require('node:child_process');
const { setTimeout } = require('node:timers');

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
}

process.on('SIGINT', () => undefined);
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
