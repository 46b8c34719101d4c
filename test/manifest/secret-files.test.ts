// Which `{ file: PATH }` secrets a run may read: only inside the manifest's root folder or a
// folder the operator allows, after following links; only regular files of a bounded size.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, loadManifests, resolveSecrets } from '../../src/manifest/index.ts';
import { SECRET_FILE_MAX_BYTES, allowedSecretFolders, isInsideFolder, manifestRoots, readSecretFile } from '../../src/manifest/secret-files.ts';
import type { SecretFileRead, SecretFolder } from '../../src/manifest/secret-files.ts';
import { tempFolder, type Folder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

void describe('isInsideFolder', () => {
  const cases: { reason: string; path: string; folder: string; want: boolean }[] = [
    { reason: 'a file in the folder', path: '/m/secrets/key', folder: '/m', want: true },
    { reason: 'the folder itself', path: '/m', folder: '/m', want: true },
    { reason: 'the parent', path: '/', folder: '/m', want: false },
    { reason: 'a sibling folder', path: '/other/key', folder: '/m', want: false },
    { reason: 'a sibling whose name starts like the folder', path: '/m-evil/key', folder: '/m', want: false },
    { reason: 'a name that starts with two dots is still inside', path: '/m/..key', folder: '/m', want: true },
  ];
  for (const c of cases) {
    void test(`${c.reason}: ${String(c.want)}`, () => assert.equal(isInsideFolder(c.path, c.folder), c.want));
  }
});

void describe('readSecretFile', () => {
  // root/ is the manifest folder; allowed/ a folder the operator allows; outside/ neither.
  let tmp: Folder;
  let root: string;
  let allowed: string;
  let rootFolder: SecretFolder[];
  let withAllowed: SecretFolder[];
  let withAllowedByLink: SecretFolder[];
  let withDev: SecretFolder[];

  before(async () => {
    tmp = await tempFolder();
    root = join(tmp.path, 'root');
    allowed = join(tmp.path, 'allowed');
    await tmp.write('root/secrets/key', 'inside-value\n');
    await tmp.write('root/..dots', 'dots-value');
    await tmp.write('root/big', 'x'.repeat(SECRET_FILE_MAX_BYTES + 1));
    await tmp.write('root/at-bound', 'y'.repeat(SECRET_FILE_MAX_BYTES));
    await tmp.write('outside/secret', 'outside-value');
    await tmp.write('root-evil/secret', 'evil-value');
    await tmp.write('allowed/key', 'allowed-value');
    await symlink(join(tmp.path, 'outside/secret'), join(root, 'link-out'));
    await symlink(join(root, 'secrets/key'), join(root, 'link-in'));
    await symlink(join(tmp.path, 'outside'), join(root, 'folder-out'));
    await symlink(join(tmp.path, 'outside/missing'), join(root, 'link-out-missing'));
    await symlink('../outside/missing', join(root, 'relative-link-out-missing'));
    await symlink(join(root, 'folder-out'), join(root, 'link-to-folder-out'));
    await symlink('secrets/missing', join(root, 'link-in-missing'));
    await symlink('loop-b', join(root, 'loop-a'));
    await symlink('loop-a', join(root, 'loop-b'));
    await symlink(allowed, join(tmp.path, 'allowed-link'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    rootFolder = await manifestRoots([root]);
    withAllowed = [...rootFolder, ...(await allowedSecretFolders([allowed], {}))];
    withAllowedByLink = [...rootFolder, ...(await allowedSecretFolders([], { AGORACTL_SECRET_DIRS: join(tmp.path, 'allowed-link') }))];
    withDev = [...rootFolder, ...(await allowedSecretFolders(['/dev'], {}))];
  });
  after(() => tmp.remove());

  const cases: { reason: string; reference: () => string; folders: () => SecretFolder[]; want: SecretFileRead }[] = [
    { reason: 'a file below the manifest folder is read', reference: () => 'secrets/key', folders: () => rootFolder, want: { ok: true, value: 'inside-value\n' } },
    { reason: 'a name starting with two dots is a name', reference: () => '..dots', folders: () => rootFolder, want: { ok: true, value: 'dots-value' } },
    { reason: 'a link to a file inside is followed', reference: () => 'link-in', folders: () => rootFolder, want: { ok: true, value: 'inside-value\n' } },
    { reason: 'a .. escape is refused', reference: () => '../outside/secret', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'many .. up to the file system root are refused', reference: () => '../../../../../../../../etc/hostname', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'an absolute path outside is refused', reference: () => join(tmp.path, 'outside/secret'), folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a sibling folder that starts with the same name is outside', reference: () => '../root-evil/secret', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a link inside that points outside is refused', reference: () => 'link-out', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a linked folder inside that points outside is refused', reference: () => 'folder-out/secret', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a missing file outside is refused, not looked up', reference: () => '../outside/missing', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    // Whether a file outside exists must not show: a link to a missing one is refused alike.
    { reason: 'a link inside to a missing file outside is refused, not reported missing', reference: () => 'link-out-missing', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a relative link inside to a missing file outside is refused', reference: () => 'relative-link-out-missing', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a missing file below a chain of links to a folder outside is refused', reference: () => 'link-to-folder-out/missing', folders: () => rootFolder, want: { ok: false, refusal: 'outside' } },
    { reason: 'a link inside to a missing file inside is unreadable', reference: () => 'link-in-missing', folders: () => rootFolder, want: { ok: false, refusal: 'unreadable', reason: 'ENOENT' } },
    { reason: 'a loop of links inside is unreadable', reference: () => 'loop-a', folders: () => rootFolder, want: { ok: false, refusal: 'unreadable', reason: 'ELOOP' } },
    { reason: 'a missing file inside is unreadable', reference: () => 'secrets/missing', folders: () => rootFolder, want: { ok: false, refusal: 'unreadable', reason: 'ENOENT' } },
    { reason: 'an absolute path in an allowed folder is read', reference: () => join(allowed, 'key'), folders: () => withAllowed, want: { ok: true, value: 'allowed-value' } },
    { reason: 'a relative path into an allowed folder is read', reference: () => '../allowed/key', folders: () => withAllowed, want: { ok: true, value: 'allowed-value' } },
    { reason: 'an allowed folder named through a link allows its target', reference: () => join(tmp.path, 'allowed-link/key'), folders: () => withAllowedByLink, want: { ok: true, value: 'allowed-value' } },
    { reason: 'allowing one folder allows no other', reference: () => join(tmp.path, 'outside/secret'), folders: () => withAllowed, want: { ok: false, refusal: 'outside' } },
    { reason: 'a folder is not a regular file', reference: () => 'secrets', folders: () => rootFolder, want: { ok: false, refusal: 'not-regular' } },
    { reason: 'a FIFO is refused without waiting for a writer', reference: () => 'fifo', folders: () => rootFolder, want: { ok: false, refusal: 'not-regular' } },
    { reason: '/dev/zero is refused even in an allowed folder', reference: () => '/dev/zero', folders: () => withDev, want: { ok: false, refusal: 'not-regular' } },
    { reason: 'a file over 64 KiB is refused', reference: () => 'big', folders: () => rootFolder, want: { ok: false, refusal: 'too-large' } },
    { reason: 'a file of exactly 64 KiB is read', reference: () => 'at-bound', folders: () => rootFolder, want: { ok: true, value: 'y'.repeat(SECRET_FILE_MAX_BYTES) } },
  ];
  for (const c of cases) {
    void test(c.reason, async () => assert.deepEqual(await readSecretFile(c.reference(), root, c.folders()), c.want));
  }
});

void describe('manifestRoots', () => {
  let tmp: Folder;
  before(async () => {
    tmp = await tempFolder();
    await tmp.write('m/sub/a.yaml', '');
  });
  after(() => tmp.remove());

  const cases: { reason: string; given: string; want: string[] }[] = [
    { reason: 'a folder is its own root', given: 'm', want: ['m'] },
    { reason: "a file's root is its folder", given: 'm/sub/a.yaml', want: ['m/sub'] },
    { reason: "a glob's root is its part before the first pattern", given: 'm/**/*.yaml', want: ['m'] },
    { reason: 'a path that does not exist has none', given: 'missing', want: [] },
  ];
  for (const c of cases) {
    void test(c.reason, async () => {
      const roots = await manifestRoots([c.given], tmp.path);
      assert.deepEqual(
        roots.map((root) => root.path),
        c.want.map((want) => join(tmp.path, want)),
      );
    });
  }

  void test("a glob's root stays below a working directory whose name holds glob characters", async () => {
    const cwd = join(tmp.path, 'app[2]');
    await tmp.write('app[2]/m/a.yaml', '');
    const roots = await manifestRoots(['m/*.yaml'], cwd);
    assert.deepEqual(
      roots.map((root) => root.path),
      [join(cwd, 'm')],
    );
  });
});

void describe('resolveSecrets with manifest roots', () => {
  const project = (secretPath: string): string =>
    `apiVersion: agoractl/v1\nkind: Project\nmetadata: { name: prod }\nspec:\n  appId: { env: A }\n  customerId: { env: A }\n  customerSecret: { file: ${secretPath} }\n`;

  void test('a manifest in a subfolder may name a file elsewhere in its -f folder, and an escape is refused at its field without the content', async () => {
    const tmp = await tempFolder();
    try {
      await tmp.write('m/secrets/customer-secret', 'shared-secret');
      await tmp.write('outside', 'outside-content');
      const inside = await tmp.write('m/projects/a.yaml', project('../secrets/customer-secret'));
      const env = { A: '0123456789abcdef0123456789abcdef' };
      const folder = join(tmp.path, 'm');

      const loaded = await loadManifests([folder], builtInManifestKinds());
      const run = await resolveSecrets(loaded.desired, env, { manifestRoots: await manifestRoots([folder]) });
      assert.deepEqual(run.errors, []);
      assert.equal(run.resolved.projects[0]?.spec.customerSecret, 'shared-secret');

      // Named on its own, the manifest's root is its own folder: ../secrets is outside it.
      const alone = await loadManifests([inside], builtInManifestKinds());
      const refused = await resolveSecrets(alone.desired, env, { manifestRoots: await manifestRoots([inside]) });
      assert.deepEqual(
        refused.errors.map((error) => [error.line, error.column, error.path, error.code]),
        [[7, 19, 'spec.customerSecret', ErrorCode.SecretFileOutside]],
      );

      await writeFile(inside, project('../../outside'));
      const escaped = await loadManifests([folder], builtInManifestKinds());
      const escapedRun = await resolveSecrets(escaped.desired, env, { manifestRoots: await manifestRoots([folder]) });
      assert.deepEqual(
        escapedRun.errors.map((error) => [error.path, error.code]),
        [['spec.customerSecret', ErrorCode.SecretFileOutside]],
      );
      assert.doesNotMatch(JSON.stringify(escapedRun.errors), /outside-content/);
    } finally {
      await tmp.remove();
    }
  });

  void test('without roots, a manifest reads secrets only below its own folder', async () => {
    const tmp = await tempFolder();
    try {
      await mkdir(join(tmp.path, 'm'));
      await tmp.write('secret', 'parent-secret');
      const file = await tmp.write('m/project.yaml', project('../secret'));
      const { desired } = await loadManifests([file], builtInManifestKinds());
      const { errors } = await resolveSecrets(desired, { A: '0123456789abcdef0123456789abcdef' });
      assert.deepEqual(
        errors.map((error) => error.code),
        [ErrorCode.SecretFileOutside],
      );
    } finally {
      await tmp.remove();
    }
  });
});
