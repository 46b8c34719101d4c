// Which files `-f` means: files, folders (every *.yaml / *.yml below) and quoted globs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expandPaths, globToRegExp } from '../../src/manifest/files.ts';
import { ErrorCode } from '../../src/manifest/index.ts';
import { tempFolder } from './helpers.ts';
import type { Folder } from './helpers.ts';

describe('expanding -f paths', () => {
  let folder: Folder;
  before(async () => {
    folder = await tempFolder();
    await folder.write('project.yaml', '');
    await folder.write('players/b.yml', '');
    await folder.write('players/a.yaml', '');
    await folder.write('players/nested/c.YAML', '');
    await folder.write('players/README.md', '');
    await folder.write('players/.hidden/d.yaml', '');
    await folder.write('empty/notes.txt', '');
  });
  after(async () => {
    await folder.remove();
  });

  const at = (...parts: string[]): string => join(folder.path, ...parts);

  test('a folder means every .yaml and .yml file below it, sorted, skipping hidden folders', async () => {
    const { files, errors } = await expandPaths([at('players')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(files, [at('players', 'a.yaml'), at('players', 'b.yml'), at('players', 'nested', 'c.YAML')]);
  });

  test('a folder mounted from a ConfigMap (files linked through ..data) means its linked files, once', async () => {
    const own = await tempFolder();
    const mount = join(own.path, 'configmap');
    await mkdir(join(mount, '..2025_01_01_00_00_00.1'), { recursive: true });
    await writeFile(join(mount, '..2025_01_01_00_00_00.1', 'players.yaml'), '');
    await symlink('..2025_01_01_00_00_00.1', join(mount, '..data'));
    await symlink('..data/players.yaml', join(mount, 'players.yaml'));
    try {
      const { files, errors } = await expandPaths([mount]);
      assert.deepEqual(errors, []);
      assert.deepEqual(files, [join(mount, 'players.yaml')]);
    } finally {
      await own.remove();
    }
  });

  test('a file is read whatever its name, and each file once however often it is named', async () => {
    const { files } = await expandPaths([at('players', 'README.md'), at('project.yaml'), folder.path, at('project.yaml')]);
    assert.deepEqual(files, [
      at('players', 'README.md'),
      at('project.yaml'),
      at('players', 'a.yaml'),
      at('players', 'b.yml'),
      at('players', 'nested', 'c.YAML'),
    ]);
  });

  test('a glob matches within one folder with * and across folders with **', async () => {
    assert.deepEqual((await expandPaths([at('players', '*.yaml')])).files, [at('players', 'a.yaml')]);
    assert.deepEqual((await expandPaths([at('**', '*.{yaml,yml}')])).files, [at('players', 'a.yaml'), at('players', 'b.yml'), at('project.yaml')]);
  });

  test('paths are relative to the working directory', async () => {
    const { files } = await expandPaths(['players/a.yaml'], folder.path);
    assert.deepEqual(files, [at('players', 'a.yaml')]);
  });

  test('glob characters in the working directory are names: only what was given is a pattern', async () => {
    const cwd = join(folder.path, 'app[2]');
    await folder.write('app[2]/players/a.yaml', '');
    await folder.write('app2/players/b.yaml', '');
    const { files, errors } = await expandPaths(['players/*.yaml'], cwd);
    assert.deepEqual(errors, []);
    assert.deepEqual(files, [join(cwd, 'players', 'a.yaml')]);
  });

  test('a missing path, a glob matching nothing and a folder without manifests are errors', async () => {
    const { files, errors } = await expandPaths([at('nope.yaml'), at('*.json'), at('empty')]);
    assert.deepEqual(files, []);
    assert.deepEqual(
      errors.map((error) => [error.file, error.code, error.message]),
      [
        [at('nope.yaml'), ErrorCode.PathNotFound, 'no such file or directory'],
        [at('*.json'), ErrorCode.PathNotFound, 'no file matches this pattern'],
        [at('empty'), ErrorCode.NoManifests, 'folder holds no *.yaml or *.yml file'],
      ],
    );
  });
});

describe('glob patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['manifests/*.yaml', 'manifests/a.yaml', true],
    ['manifests/*.yaml', 'manifests/sub/a.yaml', false],
    ['manifests/**/*.yaml', 'manifests/a.yaml', true],
    ['manifests/**/*.yaml', 'manifests/x/y/a.yaml', true],
    ['manifests/player-?.yaml', 'manifests/player-1.yaml', true],
    ['manifests/player-?.yaml', 'manifests/player-10.yaml', false],
    ['manifests/[ab].yaml', 'manifests/b.yaml', true],
    ['manifests/[!ab].yaml', 'manifests/b.yaml', false],
    ['manifests/*.{yaml,yml}', 'manifests/a.yml', true],
    ['manifests/a.yaml', 'manifests/aXyaml', false],
  ];
  for (const [glob, path, matches] of cases) {
    test(`${glob} ${matches ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(globToRegExp(glob).test(path), matches);
    });
  }
});
