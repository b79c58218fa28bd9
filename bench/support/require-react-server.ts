/**
 * Import first in a bench that loads server/ modules. Those import 'server-only', which throws unless Node resolves
 * it with the react-server condition (as Next does for server code); this stops early with the command to use
 * instead of that module's misleading "Client Component" error.
 */
if (!import.meta.resolve('server-only').endsWith('/empty.js')) {
  console.error(
    'This bench loads server modules: run it with the react-server condition, e.g.\n' +
      `  npx tsx --conditions=react-server ${process.argv[1] ?? 'bench/<script>.ts'}`,
  );
  process.exit(1);
}

export {};
