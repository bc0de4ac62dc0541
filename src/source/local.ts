/** Reading CloudTrail files from the local file system (CLI backfills, the demo, tests). */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under the given paths (directories recurse), in a stable order. */
export async function* walkFiles(paths: string[]): AsyncGenerator<{ path: string; size: number }> {
  for (const path of paths) {
    const info = await stat(path);
    if (info.isFile()) {
      yield { path, size: info.size };
    } else if (info.isDirectory()) {
      const names = (await readdir(path)).sort();
      yield* walkFiles(names.map((name) => join(path, name)));
    }
  }
}

export function openLocalFile(path: string) {
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}

/**
 * When the file was last written (its mtime), the local counterpart of S3's LastModified that the
 * documents' time rules read; undefined when it cannot be read (the read itself then reports why).
 */
export async function localFileTimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}
