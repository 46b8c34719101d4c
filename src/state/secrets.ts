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

// Records use a handful of member names, each judged once. The bound keeps unusual names (keys
// of some free-form map) from growing the cache without end.
const verdicts = new Map<string, boolean>();
const VERDICTS_MAX = 1024;

export function isSecretLikeName(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');
    verdict = !NOT_SECRETS.has(normalized) && (SECRET_NAMES.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix)));
    if (verdicts.size < VERDICTS_MAX) verdicts.set(name, verdict);
  }
  return verdict;
}
