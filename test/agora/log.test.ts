import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { clientLogger, logAttemptFailure } from '../../src/agora/log.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: clientLogger(pino({ level: 'info' }, stream)), lines };
}

void describe('client logger', () => {
  void test('redacts secret-named fields that reach it, at any of the first levels', () => {
    const { logger, lines } = capture();
    logger.warn({ token: 't', nested: { customerSecret: 's', keep: 1 }, headers: { authorization: 'Basic x' } }, 'x');
    assert.deepEqual(
      [lines[0]?.token, lines[0]?.nested, lines[0]?.headers],
      ['[REDACTED]', { customerSecret: '[REDACTED]', keep: 1 }, { authorization: '[REDACTED]' }],
    );
  });

  void test('a failed attempt is one warn line with the event, endpoint, status, both ids, attempt and domain', () => {
    const { logger, lines } = capture();
    logAttemptFailure(logger, { endpoint: 'DELETE /x', status: 503, requestId: 'req', resourceId: 'res', attempt: 2, domain: 'api.agora.io', next: 'retry' });
    assert.equal(lines.length, 1);
    const { level, event, endpoint, status, requestId, resourceId, attempt, domain, next } = lines[0] ?? {};
    assert.deepEqual(
      { level, event, endpoint, status, requestId, resourceId, attempt, domain, next },
      { level: 40, event: 'agora.request.failed', endpoint: 'DELETE /x', status: 503, requestId: 'req', resourceId: 'res', attempt: 2, domain: 'api.agora.io', next: 'retry' },
    );
  });
});
