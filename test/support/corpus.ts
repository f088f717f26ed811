// The shared corpus of real third-party logs (../shared/corpus), read in place.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = resolve(fileURLToPath(new URL('../../../shared/corpus', import.meta.url)));
export const corpusAvailable = existsSync(CORPUS);
// CI always has shared/ beside the clone: there, a missing corpus is a failure, not a reason to skip.
if (!corpusAvailable && process.env.CI) throw new Error(`the shared corpus is missing at ${CORPUS}`);

export function corpusFiles(dir = CORPUS): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? corpusFiles(path) : [path];
    });
}

export const corpus = (relative: string) => join(CORPUS, relative);
