// Where the project's credentials may go (DESIGN.md "Trust boundaries"). Every call carries
// them (Basic auth; the FLS API's HMAC signature is made with the customer secret), so an
// endpoint is a place the secret is sent: over https, or over plain http only to this machine
// (the emulator, a local proxy) or to endpoints the operator names (AGORACTL_ENDPOINTS,
// --emulator). A manifest, which a pull request may change, never widens that by itself.
import { isIP } from 'node:net';

/**
 * 127.0.0.0/8 (also IPv4-mapped), ::1 and `localhost`: traffic that never leaves this machine.
 * Takes a URL's hostname (IPv6 in brackets) or a listen address (without). The WHATWG URL
 * parser writes every IPv4 form (127.1, 0x7f.1, ...) as a dotted quad.
 */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const host = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}

/**
 * Why credentials must not go to `url` when a manifest names it, or undefined when they may:
 * `plain-http` for http to anywhere but loopback (the secret would cross the network in clear),
 * `not-allowed` for any other host the operator did not allow (`allowManifestEndpoints`).
 */
export function manifestEndpointRefusal(url: string, allowManifestEndpoints: boolean): 'plain-http' | 'not-allowed' | undefined {
  const parsed = new URL(url);
  if (isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol !== 'https:') return 'plain-http';
  return allowManifestEndpoints ? undefined : 'not-allowed';
}

/**
 * The client's own guard: a base URL that would carry credentials in clear off this machine.
 * Operator-named endpoints are exempt (`operatorEndpoints`): someone who runs an emulator in a
 * container network chose that.
 */
export function plainHttpEndpoint(baseUrls: readonly string[], operatorEndpoints: boolean): string | undefined {
  if (operatorEndpoints) return undefined;
  return baseUrls.find((url) => {
    const parsed = new URL(url);
    return parsed.protocol !== 'https:' && !isLoopbackHost(parsed.hostname);
  });
}
