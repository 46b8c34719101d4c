// Symbolic links in a manifest folder are followed, never skipped in silence: a skipped
// manifest is a deleted resource at the next apply. Real files and real links in a temp folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expandPaths } from '../../src/manifest/files.ts';
import { ErrorCode, loadManifests } from '../../src/manifest/index.ts';
import { runCli } from '../support/cli.ts';
import { PLAYER_BASE, PROJECT_BASE, documentText, tempFolder } from './helpers.ts';
import type { Folder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

const project = documentText('Project', PROJECT_BASE, '');
const player = (name: string): string => documentText('CloudPlayer', PLAYER_BASE, `  uid: ${name.length + 100}`, { metadata: `metadata:\n  name: ${name}\n  project: prod` });

describe('symbolic links in manifest folders', () => {
  let folder: Folder;
  const at = (...parts: string[]): string => join(folder.path, ...parts);
  before(async () => {
    folder = await tempFolder();
    // A folder with a link to a file elsewhere.
    await folder.write('linked/project.yaml', project);
    await folder.write('elsewhere/more.yaml', player('more'));
    await symlink(at('elsewhere', 'more.yaml'), at('linked', 'more.yaml'));
    // A ConfigMap as Kubernetes mounts it: every visible file a link through ..data.
    await folder.write('configmap/..2024_01_01_00_00_00.123/project.yaml', project);
    await folder.write('configmap/..2024_01_01_00_00_00.123/players.yaml', player('cm'));
    await symlink('..2024_01_01_00_00_00.123', at('configmap', '..data'));
    await symlink('..data/project.yaml', at('configmap', 'project.yaml'));
    await symlink('..data/players.yaml', at('configmap', 'players.yaml'));
    // A folder linking to itself, and one file reached by two links.
    await folder.write('loop/project.yaml', project);
    await symlink('.', at('loop', 'again'));
    await folder.write('twice/project.yaml', project);
    await symlink('project.yaml', at('twice', 'alias.yaml'));
    await mkdir(at('twice', 'sub'));
    await symlink('..', at('twice', 'sub', 'up'));
    // Broken links: one named like a manifest, one like a folder, one like a note.
    await folder.write('dangling/project.yaml', project);
    await symlink('gone.yaml', at('dangling', 'players.yaml'));
    await symlink('gone-folder', at('dangling', 'more'));
    await symlink('gone.txt', at('dangling', 'notes.txt'));
    // A folder linked in.
    await folder.write('real-players/p.yaml', player('via-folder-link'));
    await folder.write('with-folder-link/project.yaml', project);
    await symlink(at('real-players'), at('with-folder-link', 'players'));
  });
  after(async () => {
    await folder.remove();
  });

  test('a link to a manifest file is loaded like the file', async () => {
    const { errors, desired } = await loadManifests([at('linked')], builtInManifestKinds());
    assert.deepEqual(errors, []);
    assert.deepEqual(
      desired.resources.map((doc) => [doc.metadata.name, doc.source.file]),
      [['more', at('linked', 'more.yaml')]],
    );
  });

  test('a ConfigMap mount loads each file once through its visible link, not through ..data', async () => {
    const { files, errors } = await expandPaths([at('configmap')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(files, [at('configmap', 'players.yaml'), at('configmap', 'project.yaml')]);
    const loaded = await loadManifests([at('configmap')], builtInManifestKinds());
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.desired.resources.map((doc) => doc.metadata.name), ['cm']);
  });

  test('a link back to a folder that holds it is an error naming the link, and the walk ends', async () => {
    const { files, errors } = await expandPaths([at('loop')]);
    assert.deepEqual(files, [at('loop', 'project.yaml')]);
    assert.deepEqual(
      errors.map((error) => [error.file, error.code]),
      [[at('loop', 'again'), ErrorCode.LinkLoop]],
    );
  });

  test('a file reached by two links, or a folder by a link up, is loaded once', async () => {
    const { files, errors } = await expandPaths([at('twice')]);
    assert.deepEqual(files, [at('twice', 'alias.yaml')]);
    assert.deepEqual(errors.map((error) => [error.file, error.code]), [[at('twice', 'sub', 'up'), ErrorCode.LinkLoop]]);
    const loaded = await expandPaths([at('twice', 'project.yaml'), at('twice', 'alias.yaml')]);
    assert.deepEqual(loaded.files, [at('twice', 'project.yaml')]);
  });

  test('a broken link that could hold manifests is an error; one named like a note is not a manifest', async () => {
    const { files, errors } = await expandPaths([at('dangling')]);
    assert.deepEqual(files, [at('dangling', 'project.yaml')]);
    assert.deepEqual(
      errors.map((error) => [error.file, error.line, error.column, error.code]),
      [
        [at('dangling', 'more'), 1, 1, ErrorCode.BrokenLink],
        [at('dangling', 'players.yaml'), 1, 1, ErrorCode.BrokenLink],
      ],
    );
  });

  test('a broken link named with -f is a broken link, not a missing path', async () => {
    const { errors } = await expandPaths([at('dangling', 'players.yaml')]);
    assert.deepEqual(errors.map((error) => error.code), [ErrorCode.BrokenLink]);
  });

  test('a link to a folder is walked like the folder', async () => {
    const { errors, desired } = await loadManifests([at('with-folder-link')], builtInManifestKinds());
    assert.deepEqual(errors, []);
    assert.deepEqual(desired.resources.map((doc) => doc.source.file), [at('with-folder-link', 'players', 'p.yaml')]);
  });

  test('agoractl validate fails on a dangling manifest link with its path and exits 1', async () => {
    const run = await runCli(['validate', '-f', at('dangling')]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`^${at('dangling', 'more')}:1:1: broken symbolic link`, 'm'));
    assert.match(run.stdout, new RegExp(`^${at('dangling', 'players.yaml')}:1:1: broken symbolic link`, 'm'));
  });

  test('agoractl validate reads a ConfigMap mount', async () => {
    const run = await runCli(['validate', '-f', at('configmap')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^valid: 2 documents in 2 files/);
  });

  test('agoractl validate reports a folder link loop with its path and exits 1', async () => {
    const run = await runCli(['validate', '-f', at('loop')]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`^${at('loop', 'again')}:1:1: symbolic link loop`, 'm'));
  });
});
