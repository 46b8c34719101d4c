import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, logAction, LOG_EVENT, REDACTED, SECRET_FIELDS, type LogFormat } from '../../src/logging.ts';

/** A destination that keeps what was written. */
function capture(): { stream: Writable; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function flushed(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

const SECRET = 'sk-very-secret-value';

void describe('createLogger', () => {
  const shapes: Record<string, Record<string, unknown>> = {
    'at the top level': Object.fromEntries(SECRET_FIELDS.map((f) => [f, SECRET])),
    'in a project spec': { project: { spec: { customerSecret: SECRET, appCertificate: SECRET } } },
    'in request headers': { request: { headers: { authorization: `Basic ${SECRET}`, Authorization: SECRET } } },
    'in a storage config several levels down': {
      resource: { spec: { storageConfig: { accessKey: SECRET, secretKey: SECRET, extensionParams: { sse: { encryptKey: SECRET } } } } },
    },
    'inside arrays': { players: [{ token: SECRET }, { token: SECRET }], nested: { list: [{ secret: SECRET }] } },
    'six levels below the root': { a: { b: { c: { d: { e: { f: { encryptKdfSalt: SECRET } } } } } } },
  };

  for (const format of ['json', 'pretty'] as LogFormat[]) {
    for (const [where, fields] of Object.entries(shapes)) {
      void test(`${format}: redacts secrets ${where}`, async () => {
        const out = capture();
        const logger = createLogger({ format, level: 'info', destination: out.stream, colorize: false });
        logger.info(fields, 'resource observed');
        await flushed();
        assert.ok(out.text().includes('resource observed'));
        assert.ok(!out.text().includes(SECRET), out.text());
        assert.ok(out.text().includes(REDACTED));
      });
    }
  }

  void test('keeps fields that are not secrets', async () => {
    const out = capture();
    const logger = createLogger({ format: 'json', level: 'info', destination: out.stream });
    logger.info({ customerId: 'cust-1', spec: { channelName: 'class32', tokenExpiry: 3600 } }, 'x');
    await flushed();
    const [line] = out.lines();
    assert.deepEqual(line?.['spec'], { channelName: 'class32', tokenExpiry: 3600 });
    assert.equal(line?.['customerId'], 'cust-1');
  });

  void test('honours the level', async () => {
    const out = capture();
    const logger = createLogger({ format: 'json', level: 'warn', destination: out.stream });
    logger.info('quiet');
    logger.warn('loud');
    await flushed();
    assert.deepEqual(out.lines().map((l) => l['msg']), ['loud']);
  });
});

void describe('logAction', () => {
  void test('writes one JSON line per action with kind, name, action, reason, request id and duration', async () => {
    const out = capture();
    const logger = createLogger({ format: 'json', level: 'info', destination: out.stream });
    logAction(logger, { kind: 'CloudPlayer', name: 'class32-101', action: 'create', reason: 'missing in Agora', requestId: 'req-1', durationMs: 42 });
    logAction(logger, {
      kind: 'CloudPlayer',
      name: 'class32-102',
      action: 'delete',
      reason: 'removed from manifests',
      durationMs: 7,
      error: 'HTTP 503 from Agora',
    });
    await flushed();
    const [ok, failed] = out.lines();
    assert.equal(out.lines().length, 2);
    assert.deepEqual(
      { event: ok?.['event'], kind: ok?.['kind'], name: ok?.['name'], action: ok?.['action'], reason: ok?.['reason'], requestId: ok?.['requestId'], durationMs: ok?.['durationMs'], result: ok?.['result'], level: ok?.['level'] },
      { event: LOG_EVENT.action, kind: 'CloudPlayer', name: 'class32-101', action: 'create', reason: 'missing in Agora', requestId: 'req-1', durationMs: 42, result: 'ok', level: 30 },
    );
    assert.equal(failed?.['result'], 'error');
    assert.equal(failed?.['error'], 'HTTP 503 from Agora');
    assert.equal(failed?.['level'], 50);
  });
});
