import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { defaultStatePath, resolveStatePath } from '../../src/state/default-path.ts';
import { tempFolder } from './helpers.ts';

void describe('default state path', () => {
  void test('puts .agoractl/state.json in the folder that holds the manifests', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      await mkdir(join(folder, 'manifests'));
      await writeFile(join(folder, 'manifests', 'prod.yaml'), '');
      const rows = [
        { reason: 'a manifest folder holds its own state', manifests: 'manifests', want: join(folder, 'manifests', '.agoractl', 'state.json') },
        { reason: 'a trailing slash changes nothing', manifests: 'manifests/', want: join(folder, 'manifests', '.agoractl', 'state.json') },
        { reason: 'one file of that folder shares the folder’s state', manifests: 'manifests/prod.yaml', want: join(folder, 'manifests', '.agoractl', 'state.json') },
        { reason: 'a file not written yet is still a file', manifests: 'staging.yml', want: join(folder, '.agoractl', 'state.json') },
        { reason: 'the current folder', manifests: '.', want: join(folder, '.agoractl', 'state.json') },
        { reason: 'no manifests: the current folder', manifests: undefined, want: join(folder, '.agoractl', 'state.json') },
      ];
      for (const row of rows) assert.equal(defaultStatePath(row.manifests, folder), row.want, row.reason);
    } finally {
      await cleanup();
    }
  });

  void test('--state wins over the manifests location, relative to the current folder', () => {
    assert.equal(resolveStatePath({ state: 'ci/state.json', manifests: 'manifests' }, '/work'), '/work/ci/state.json');
    assert.equal(resolveStatePath({ manifests: 'x.yaml' }, '/work'), '/work/.agoractl/state.json');
  });
});
