// The yaml library, loaded the first time a file needs it. The fast parser (plain-yaml.ts) reads
// manifests written in the common subset without it, and loading the library costs about as
// much as the rest of `validate`'s start-up together (a tenth of a second on this machine).
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let library: typeof Yaml | undefined;

export function yamlLibrary(): typeof Yaml {
  // The package's Node entry is CommonJS, so it loads synchronously, where the parse needs it.
  library ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return library;
}
