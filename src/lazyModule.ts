/**
 * Loads a CommonJS dependency on first use instead of at start. For libraries only some configurations need
 * (ioredis for Redis sessions, yaml/smol-toml for config files and kubeconfigs), so a deployment that does not
 * use them does not carry them: ioredis alone holds ~7 MB of heap once loaded.
 */
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireFromHere(name) as T);
}
