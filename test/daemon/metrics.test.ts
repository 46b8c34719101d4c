import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMetrics } from '../../src/daemon/metrics.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

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
    metrics.setResourceStatuses([
      { kind: 'CloudPlayer', status: 'in_sync', count: 3 },
      { kind: 'CloudPlayer', status: 'failed', count: 1 },
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
      ['agoractl_manifest_generation', 'gauge'],
      ['agoractl_manifest_last_load_timestamp_seconds', 'gauge'],
      ['agoractl_manifests_valid', 'gauge'],
      ['agoractl_manifest_watcher_up', 'gauge'],
      ['agoractl_refused_changes', 'gauge'],
      ['agoractl_blocked_resources', 'gauge'],
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
    assert.equal(sampleValue(text, 'agoractl_resources', { kind: 'CloudPlayer', status: 'failed' }), 1);
    assert.equal(sampleValue(text, 'agoractl_notifications_total', { result: 'forged' }), 1);
    assert.equal(sampleValue(text, 'agoractl_fls_callbacks_total', { result: 'routed' }), 1);
  });

  void test("Node's process metrics keep their standard names, so stock dashboards find them", async () => {
    const text = parsePrometheusText(await new DaemonMetrics().text());
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(text.types.has(name), name);
    }
    assert.equal([...text.types.keys()].filter((n) => n.startsWith('agoractl_process_') || n.startsWith('agoractl_nodejs_')).length, 0);
  });

  void test('manifest loads set the generation, the last load time and validity; a failed load keeps the time', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.recordManifestLoad({ generation: 3, at: Date.UTC(2025, 0, 1), valid: true });
    metrics.recordManifestLoad({ generation: 3, at: Date.UTC(2025, 0, 1), valid: false });
    metrics.setWatcherUp(false);
    const text = parsePrometheusText(await metrics.text());
    assert.equal(sampleValue(text, 'agoractl_manifest_generation'), 3);
    assert.equal(sampleValue(text, 'agoractl_manifest_last_load_timestamp_seconds'), Date.UTC(2025, 0, 1) / 1000);
    assert.equal(sampleValue(text, 'agoractl_manifests_valid'), 0);
    assert.equal(sampleValue(text, 'agoractl_manifest_watcher_up'), 0);
  });

  void test('refused changes and blocked resources are counted from the reconciler at each scrape', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    let blocked = [
      { key: resourceKey('prod', 'CloudPlayer', 'a'), code: 'CreateFailing', reason: 'stream unreachable', since: 1 },
      { key: resourceKey('prod', 'CloudPlayer', 'b'), code: 'CreateFailing', reason: 'stream unreachable', since: 1 },
      { key: resourceKey('prod', 'CloudRecording', 'r'), code: 'Ambiguous', reason: 'outcome unknown', since: 1 },
    ];
    metrics.trackGuards({
      blocked: () => blocked,
      refused: () => [{ project: 'prod', kind: 'CloudPlayer', code: 'MassDeleteRefused', message: 'would delete 9 of 10', since: 1 }],
    });
    let text = parsePrometheusText(await metrics.text());
    assert.equal(sampleValue(text, 'agoractl_blocked_resources', { kind: 'CloudPlayer', code: 'CreateFailing' }), 2);
    assert.equal(sampleValue(text, 'agoractl_blocked_resources', { kind: 'CloudRecording', code: 'Ambiguous' }), 1);
    assert.equal(sampleValue(text, 'agoractl_refused_changes', { project: 'prod', kind: 'CloudPlayer', code: 'MassDeleteRefused' }), 1);
    blocked = [];
    text = parsePrometheusText(await metrics.text());
    assert.equal(sampleValue(text, 'agoractl_blocked_resources', { kind: 'CloudPlayer', code: 'CreateFailing' }), undefined, 'a released resource drops out');
  });

  void test('resource states are replaced, not accumulated', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.setResourceStatuses([{ kind: 'CloudPlayer', status: 'failed', count: 2 }]);
    metrics.setResourceStatuses([{ kind: 'CloudPlayer', status: 'in_sync', count: 2 }]);
    metrics.setQueueDepth(9);
    const text = parsePrometheusText(await metrics.text());
    assert.equal(sampleValue(text, 'agoractl_resources', { status: 'failed' }), undefined);
    assert.equal(sampleValue(text, 'agoractl_resources', { status: 'in_sync' }), 2);
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
