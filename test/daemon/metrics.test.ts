import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMetrics } from '../../src/daemon/metrics.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

void describe('DaemonMetrics', () => {
  void test('exposes every daemon metric in valid Prometheus text, with the recorded values', async () => {
    const metrics = new DaemonMetrics();
    metrics.recordApiCall({ endpoint: 'playerCreateNamed', status: 200, durationMs: 120 });
    metrics.recordApiCall({ endpoint: 'playerCreateNamed', status: 429, durationMs: 30 });
    metrics.recordApiCall({ endpoint: 'playerCreateNamed', status: 429, durationMs: 30 });
    metrics.recordApiCall({ endpoint: 'playerListFiltered', status: 'network', durationMs: 5_000 });
    metrics.recordReconcile({ kind: 'CloudPlayer', result: 'ok', durationMs: 800 });
    metrics.recordDrift('CloudPlayer');
    metrics.recordDrift('CloudPlayer', 2);
    metrics.trackQueueDepth(() => 4);
    metrics.setResourceStates([
      { kind: 'CloudPlayer', state: 'running', count: 3 },
      { kind: 'CloudPlayer', state: 'failed', count: 1 },
    ]);
    metrics.recordNotification('forged');
    metrics.recordFlsCallback('routed');

    const text = parsePrometheusText(await metrics.text());
    for (const [name, type] of [
      ['agoractl_reconcile_duration_seconds', 'histogram'],
      ['agoractl_api_calls_total', 'counter'],
      ['agoractl_api_call_duration_seconds', 'histogram'],
      ['agoractl_api_rate_limited_total', 'counter'],
      ['agoractl_queue_depth', 'gauge'],
      ['agoractl_drift_found_total', 'counter'],
      ['agoractl_resources', 'gauge'],
      ['agoractl_notifications_total', 'counter'],
      ['agoractl_fls_callbacks_total', 'counter'],
    ]) {
      assert.equal(text.types.get(name as string), type, name);
    }
    assert.equal(sampleValue(text, 'agoractl_api_calls_total', { endpoint: 'playerCreateNamed', status: '429' }), 2);
    assert.equal(sampleValue(text, 'agoractl_api_calls_total', { endpoint: 'playerListFiltered', status: 'network' }), 1);
    assert.equal(sampleValue(text, 'agoractl_api_rate_limited_total', { endpoint: 'playerCreateNamed' }), 2);
    assert.equal(sampleValue(text, 'agoractl_api_call_duration_seconds_sum', { endpoint: 'playerCreateNamed' }), 0.18);
    assert.equal(sampleValue(text, 'agoractl_reconcile_duration_seconds_count', { kind: 'CloudPlayer', result: 'ok' }), 1);
    assert.equal(sampleValue(text, 'agoractl_drift_found_total', { kind: 'CloudPlayer' }), 3);
    assert.equal(sampleValue(text, 'agoractl_queue_depth'), 4);
    assert.equal(sampleValue(text, 'agoractl_resources', { kind: 'CloudPlayer', state: 'failed' }), 1);
    assert.equal(sampleValue(text, 'agoractl_notifications_total', { result: 'forged' }), 1);
    assert.equal(sampleValue(text, 'agoractl_fls_callbacks_total', { result: 'routed' }), 1);
    assert.ok(text.types.has('agoractl_process_cpu_seconds_total'), 'process metrics share the prefix');
  });

  void test('resource states are replaced, not accumulated', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.setResourceStates([{ kind: 'CloudPlayer', state: 'failed', count: 2 }]);
    metrics.setResourceStates([{ kind: 'CloudPlayer', state: 'running', count: 2 }]);
    metrics.setQueueDepth(9);
    const text = parsePrometheusText(await metrics.text());
    assert.equal(sampleValue(text, 'agoractl_resources', { state: 'failed' }), undefined);
    assert.equal(sampleValue(text, 'agoractl_resources', { state: 'running' }), 2);
    assert.equal(sampleValue(text, 'agoractl_queue_depth'), 9);
  });

  void test('two instances do not share counters (no global registry)', async () => {
    const a = new DaemonMetrics({ processMetrics: false });
    const b = new DaemonMetrics({ processMetrics: false });
    a.recordDrift('CloudRecording');
    const textB = parsePrometheusText(await b.text());
    assert.equal(sampleValue(textB, 'agoractl_drift_found_total', { kind: 'CloudRecording' }), undefined);
  });

  void test('the format reader rejects what Prometheus would', () => {
    for (const bad of ['agoractl_x 1', '# TYPE agoractl_x counter\nagoractl_x{a="1" 1', '# TYPE x gauge\nx one', '# nonsense']) {
      assert.throws(() => parsePrometheusText(bad), Error, bad);
    }
  });
});
