/**
 * Where a PGlite data folder really is. PGlite's Node filesystem mounts the path it is given with lstat, so a
 * symbolic link as PGLITE_DIR used to fail deep inside Emscripten ("[object Object]"); and two spellings of one
 * folder (the link and its target) must share one lock. Both are solved by working on the folder's real path.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The canonical absolute path of `folder` (symbolic links resolved), without creating anything: when the folder
 * does not exist yet, its parent is resolved instead (the lock file of a new folder is placed before it is made).
 */
export function realFolderPath(folder: string): string {
  const absolute = path.resolve(folder);
  try {
    return fs.realpathSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const parent = path.dirname(absolute);
    return parent === absolute
      ? absolute
      : path.join(/*turbopackIgnore: true*/ realFolderPath(parent), path.basename(absolute));
  }
}

/**
 * Creates the data folder when missing and returns its real path; explains, naming the folder, when it cannot be
 * used (a link to a folder that does not exist, a file, no permission).
 */
export function prepareDataFolder(folder: string): string {
  const absolute = path.resolve(folder);
  const link = fs.lstatSync(absolute, { throwIfNoEntry: false });
  if (link?.isSymbolicLink() && !fs.existsSync(absolute)) {
    throw new Error(
      `PGlite data folder "${folder}" is a symbolic link to "${fs.readlinkSync(absolute)}", which does not exist. ` +
        'Create that folder or point the link (or PGLITE_DIR) elsewhere.',
    );
  }
  try {
    fs.mkdirSync(absolute, { recursive: true });
  } catch (error) {
    throw new Error(`PGlite data folder "${folder}" cannot be created: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const real = fs.realpathSync(absolute);
  if (!fs.statSync(real).isDirectory()) {
    throw new Error(`PGlite data folder "${folder}" (${real}) is not a folder.`);
  }
  return real;
}
