import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointRouter, endpointsFromEnv, failoverChain, nextEndpoint } from '../../src/agora/domains.ts';

void describe('failoverChain', () => {
  void test('primary, primary again, the other primary, then the neighbour region on both suffixes', () => {
    const chain = failoverChain({ domain: 'api.agora.io', serverRegion: 'eu-central-1' });
    assert.deepEqual(
      chain.map((e) => [e.role, e.domain]),
      [
        ['primary', 'api.agora.io'],
        ['primary-retry', 'api.agora.io'],
        ['alternate', 'api.sd-rtn.com'],
        ['regional', 'api-eu-west-1.agora.io'],
        ['regional', 'api-eu-west-1.sd-rtn.com'],
      ],
    );
    assert.equal(chain[0]?.baseUrl, 'https://api.agora.io');
  });

  void test('a server in mainland China starts at api.sd-rtn.com and its regional suffix', () => {
    const chain = failoverChain({ domain: 'api.sd-rtn.com', serverRegion: 'cn-east-1' });
    assert.deepEqual(
      chain.map((e) => e.domain),
      ['api.sd-rtn.com', 'api.sd-rtn.com', 'api.agora.io', 'api-cn-north-1.sd-rtn.com', 'api-cn-north-1.agora.io'],
    );
  });

  void test('without a server region the chain ends at the other primary', () => {
    assert.deepEqual(
      failoverChain({}).map((e) => e.domain),
      ['api.agora.io', 'api.agora.io', 'api.sd-rtn.com'],
    );
  });

  void test('hosts map domain names to other base URLs', () => {
    const chain = failoverChain({ hosts: { 'api.agora.io': 'http://127.0.0.1:4000/', 'api.sd-rtn.com': 'http://127.0.0.1:4001' } });
    assert.deepEqual(
      chain.map((e) => [e.domain, e.baseUrl]),
      [
        ['api.agora.io', 'http://127.0.0.1:4000'],
        ['api.agora.io', 'http://127.0.0.1:4000'],
        ['api.sd-rtn.com', 'http://127.0.0.1:4001'],
      ],
    );
  });

  void test('configured endpoints replace the table and are tried in order, the first one twice', () => {
    const chain = failoverChain({ domain: 'api.sd-rtn.com', endpoints: ['http://127.0.0.1:1/base/', 'http://127.0.0.1:2'] });
    assert.deepEqual(
      chain.map((e) => [e.role, e.baseUrl]),
      [
        ['primary', 'http://127.0.0.1:1/base'],
        ['primary-retry', 'http://127.0.0.1:1/base'],
        ['configured', 'http://127.0.0.1:2'],
      ],
    );
  });

  void test('AGORACTL_ENDPOINTS is read as a comma-separated list', () => {
    assert.deepEqual(endpointsFromEnv({ AGORACTL_ENDPOINTS: 'http://a:1, http://b:2,' }), ['http://a:1', 'http://b:2']);
    assert.equal(endpointsFromEnv({}), undefined);
  });
});

void describe('nextEndpoint', () => {
  const chain = failoverChain({ domain: 'api.agora.io', serverRegion: 'us-west-1' });
  void test('after a DNS failure the other primary is tried', () => {
    assert.equal(chain[nextEndpoint(chain, 1, true) ?? -1]?.domain, 'api.sd-rtn.com');
  });
  void test('after a network failure that is not DNS the other primary is skipped', () => {
    assert.equal(chain[nextEndpoint(chain, 1, false) ?? -1]?.domain, 'api-us-east-1.agora.io');
  });
  void test('after the last endpoint there is none', () => {
    assert.equal(nextEndpoint(chain, chain.length - 1, true), undefined);
  });
});

void describe('EndpointRouter', () => {
  void test('keeps starting at an endpoint that answered after failover, then returns to the primary', () => {
    let now = 0;
    const chain = failoverChain({ serverRegion: 'us-west-1' });
    const router = new EndpointRouter(chain, () => now, 30_000);
    assert.equal(router.startIndex(), 0);
    router.answered(3);
    now = 29_999;
    assert.equal(router.startIndex(), 3);
    now = 30_000;
    assert.equal(router.startIndex(), 0);
  });

  void test('an answer from the primary (or its retry) keeps calls at the primary', () => {
    const router = new EndpointRouter(failoverChain({}), () => 0);
    router.answered(1);
    assert.equal(router.startIndex(), 0);
  });
});
