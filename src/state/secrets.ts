// The last line of defence that keeps credentials out of state (DESIGN.md: secrets never appear
// in plans, logs, state or error messages). The engine stores ids, hashes and status; a value
// under a secret-looking name means a bug upstream, so the put is refused rather than written.

/** Names that are secrets whole, compared case- and separator-insensitively. */
const SECRET_NAMES = new Set([
  'token',
  'secret',
  'key',
  'password',
  'passwd',
  'salt',
  'accesskey',
  'secretkey',
  'customersecret',
  'appcertificate',
  'certificate',
  'encryptkey',
  'encryptkdfsalt',
  'privatekey',
  'apikey',
  'credential',
  'credentials',
]);

/** Endings that make a longer name a secret too: rtcToken, clientSecret, s3SecretKey, kdfSalt. */
const SECRET_SUFFIXES = [
  'token',
  'secret',
  'password',
  'salt',
  'accesskey',
  'secretkey',
  'encryptkey',
  'privatekey',
  'apikey',
  'certificate',
];

/** Names that end like a secret but are not one: List's pagination cursors. */
const NOT_SECRETS = new Set(['pagetoken', 'nextpagetoken']);

export function isSecretLikeName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (NOT_SECRETS.has(normalized)) return false;
  return SECRET_NAMES.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * The path (e.g. `data.storage.secretKey`) of the first value held under a secret-looking name,
 * or undefined. Null and undefined hold nothing and pass.
 */
export function findSecretPath(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findSecretPath(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [name, item] of Object.entries(value)) {
    const itemPath = `${path}.${name}`;
    if (isSecretLikeName(name) && item !== null && item !== undefined) return itemPath;
    const found = findSecretPath(item, itemPath);
    if (found) return found;
  }
  return undefined;
}
