import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpTransport, NetworkFailure } from '../../src/agora/transport.ts';
import type { HttpRequest } from '../../src/agora/transport.ts';
import { closedPort, drop, json, loopbackLookup, startScriptedServer } from './scripted-server.ts';

function get(origin: string, body?: string): HttpRequest {
  return { origin, method: body === undefined ? 'GET' : 'POST', pathWithQuery: '/v1/x?y=1', headers: { 'x-request-id': 'r-1' }, body };
}

async function failure(promise: Promise<unknown>): Promise<NetworkFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NetworkFailure, `expected a NetworkFailure, got ${String(err)}`);
    return err;
  }
  throw new assert.AssertionError({ message: 'expected the request to fail' });
}

void describe('HttpTransport', () => {
  const transports: HttpTransport[] = [];
  const make = (options: ConstructorParameters<typeof HttpTransport>[0] = {}) => {
    const transport = new HttpTransport(options);
    transports.push(transport);
    return transport;
  };
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
  });

  void test('returns any HTTP answer with lower-case headers and the body text', async () => {
    const server = await startScriptedServer((req, res) => json(res, 409, { message: 'exists', echo: req.url }, { 'X-Resource-ID': 'abc' }));
    try {
      const answer = await make().send(get(server.url));
      assert.equal(answer.status, 409);
      assert.equal(answer.headers['x-resource-id'], 'abc');
      assert.deepEqual(JSON.parse(answer.text), { message: 'exists', echo: '/v1/x?y=1' });
      assert.equal(server.requests[0]?.headers['x-request-id'], 'r-1');
    } finally {
      await server.close();
    }
  });

  void test('keeps connections alive between requests', async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, {}));
    try {
      const transport = make();
      for (let i = 0; i < 10; i += 1) await transport.send(get(server.url, '{}'));
      // The pool may open a second socket while the first is being handed back; never ten.
      assert.ok(server.connections() <= 2, `${server.connections()} connections for 10 requests`);
    } finally {
      await server.close();
    }
  });

  void test('a refused connection never reached the server', async () => {
    const port = await closedPort();
    const err = await failure(make().send(get(`http://127.0.0.1:${port}`)));
    assert.equal(err.kind, 'connect');
    assert.equal(err.requestWritten, false);
  });

  void test('a name that does not resolve is a DNS failure', async () => {
    const err = await failure(make({ lookup: loopbackLookup(['api.agora.io']) }).send(get('http://api.agora.io:9')));
    assert.equal(err.kind, 'dns');
    assert.equal(err.requestWritten, false);
  });

  void test('a connection cut after the request arrived is a reset after writing', async () => {
    const server = await startScriptedServer(drop);
    try {
      const err = await failure(make().send(get(server.url, '{"player":{}}')));
      assert.equal(err.kind, 'reset');
      assert.equal(err.requestWritten, true);
    } finally {
      await server.close();
    }
  });

  void test('no answer within the header timeout is a timeout after writing', async () => {
    const server = await startScriptedServer(() => undefined);
    try {
      const err = await failure(make({ timeouts: { headersMs: 100 } }).send(get(server.url)));
      assert.equal(err.kind, 'timeout');
      assert.equal(err.requestWritten, true);
    } finally {
      await server.close();
    }
  });
});
