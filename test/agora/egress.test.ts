// Where credentials may go: https anywhere, plain http only to loopback or to endpoints the
// operator names; a manifest's own endpoints only on loopback unless the operator allows them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgoraClient } from '../../src/agora/client.ts';
import { isLoopbackHost, manifestEndpointRefusal } from '../../src/agora/egress.ts';

void describe('manifestEndpointRefusal', () => {
  const cases: { reason: string; url: string; allow: boolean; want: ReturnType<typeof manifestEndpointRefusal> }[] = [
    { reason: 'http to 127.0.0.1 stays on this machine', url: 'http://127.0.0.1:8080', allow: false, want: undefined },
    { reason: 'all of 127.0.0.0/8 is loopback', url: 'http://127.45.6.7:1', allow: false, want: undefined },
    { reason: 'a short IPv4 form of loopback is loopback', url: 'http://127.1:1', allow: false, want: undefined },
    { reason: 'IPv6 loopback', url: 'http://[::1]:8080', allow: false, want: undefined },
    { reason: 'localhost', url: 'http://LocalHost:8080/base', allow: false, want: undefined },
    { reason: 'plain http elsewhere is refused', url: 'http://agora.example.com', allow: false, want: 'plain-http' },
    { reason: 'plain http elsewhere is refused even when manifest endpoints are allowed', url: 'http://agora.example.com', allow: true, want: 'plain-http' },
    { reason: 'a host that only starts like loopback is not loopback', url: 'http://127.0.0.1.evil.example', allow: true, want: 'plain-http' },
    { reason: 'a name ending in localhost is not localhost', url: 'http://evil-localhost:80', allow: true, want: 'plain-http' },
    { reason: 'https to a host the operator did not allow is refused', url: 'https://evil.example', allow: false, want: 'not-allowed' },
    { reason: "https is honoured when the operator allows manifests' endpoints", url: 'https://proxy.example.com', allow: true, want: undefined },
  ];
  for (const c of cases) {
    void test(c.reason, () => assert.equal(manifestEndpointRefusal(c.url, c.allow), c.want));
  }

  void test('isLoopbackHost takes the hostname as URL writes it', () => {
    assert.equal(isLoopbackHost(new URL('http://[::1]/').hostname), true);
    assert.equal(isLoopbackHost(new URL('http://10.0.0.1/').hostname), false);
  });
});

void describe('the client refuses plain http off this machine', () => {
  const credentials = { appId: 'app', customerId: 'id', customerSecret: 'secret' };

  void test('a plain http endpoint that is not loopback is refused unless the operator named it', async () => {
    assert.throws(() => createAgoraClient({ ...credentials, endpoints: ['https://proxy.example.com', 'http://emulator.internal:8080'] }), /endpoint http:\/\/emulator\.internal:8080 is plain http/);
    const client = createAgoraClient({ ...credentials, endpoints: ['http://emulator.internal:8080'], operatorEndpoints: true });
    await client.close();
  });

  void test('https and loopback endpoints need no operator', async () => {
    const client = createAgoraClient({ ...credentials, endpoints: ['https://proxy.example.com', 'http://127.0.0.1:1'] });
    assert.deepEqual([...new Set(client.endpoints.map((e) => e.baseUrl))], ['https://proxy.example.com', 'http://127.0.0.1:1']);
    await client.close();
  });
});
