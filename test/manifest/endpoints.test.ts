// Project.spec.endpoints receive the project's credentials: a manifest's endpoint is refused at
// its line unless it is on loopback or the operator allows manifests' endpoints.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, loadManifests } from '../../src/manifest/index.ts';
import { checkManifestEndpoints } from '../../src/manifest/endpoints.ts';
import { PROJECT_BASE, documentText, tempFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

void describe('checkManifestEndpoints', () => {
  const cases: { reason: string; endpoints: string[]; allow: boolean; want: [string, number][] }[] = [
    { reason: 'loopback endpoints need no permission', endpoints: ['http://127.0.0.1:8080', 'http://localhost:1', 'https://[::1]:2'], allow: false, want: [] },
    { reason: 'https elsewhere needs --allow-manifest-endpoints', endpoints: ['http://127.0.0.1:8080', 'https://proxy.example.com'], allow: false, want: [['spec.endpoints[1]', 11]] },
    { reason: 'https elsewhere is honoured when allowed', endpoints: ['https://proxy.example.com'], allow: true, want: [] },
    { reason: 'plain http elsewhere is refused even when allowed', endpoints: ['https://proxy.example.com', 'http://proxy.example.com'], allow: true, want: [['spec.endpoints[1]', 11]] },
  ];
  for (const c of cases) {
    void test(c.reason, async () => {
      const folder = await tempFolder();
      try {
        const list = c.endpoints.map((url) => `    - ${url}`).join('\n');
        const file = await folder.write('project.yaml', documentText('Project', PROJECT_BASE, `  endpoints:\n${list}`));
        const { desired, errors } = await loadManifests([file], builtInManifestKinds());
        assert.deepEqual(errors, []);
        const refused = checkManifestEndpoints(desired.projects, { allowManifestEndpoints: c.allow });
        assert.deepEqual(
          refused.map((error) => [error.path, error.line]),
          c.want,
        );
        assert.ok(refused.every((error) => error.code === ErrorCode.EndpointRefused && error.file === file && error.column === 7));
      } finally {
        await folder.remove();
      }
    });
  }

  void test('an endpoint is named by its origin, without credentials written in its URL', async () => {
    const folder = await tempFolder();
    try {
      const file = await folder.write('project.yaml', documentText('Project', PROJECT_BASE, '  endpoints: ["https://user:hunter2@proxy.example.com/base"]'));
      const { desired } = await loadManifests([file], builtInManifestKinds());
      const [error] = checkManifestEndpoints(desired.projects, { allowManifestEndpoints: false });
      assert.match(error?.message ?? '', /endpoint https:\/\/proxy\.example\.com would receive/);
      assert.doesNotMatch(error?.message ?? '', /hunter2/);
    } finally {
      await folder.remove();
    }
  });
});
