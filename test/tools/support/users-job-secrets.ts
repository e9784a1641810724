import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../../support/environments';

/** The Secret key -> file layout of the elasticsearch-users Job's `setup-secrets` projected volume. */
export function usersJobSecretFiles(
  objects: readonly KubeObject[],
): { secret: string; key: string; file: string }[] {
  const job = objects.find(
    (o) => o.kind === 'Job' && o.metadata.name.startsWith('elasticsearch-users-'),
  )!;
  const volume = job.spec.template.spec.volumes.find((v: any) => v.name === 'setup-secrets');
  return volume.projected.sources.flatMap((s: any) =>
    s.secret.items.map((i: any) => ({ secret: s.secret.name, key: i.key, file: i.path })),
  );
}

/**
 * Writes the users Job's Secret files into `secretsDir` (created, mode 0700) as
 * `npm run dev-secrets` would draw them: per Secret a username named after it and a random
 * password. Returns each Secret's keys and values.
 */
export function drawUsersJobSecrets(
  objects: readonly KubeObject[],
  secretsDir: string,
): Map<string, Record<string, string>> {
  fs.mkdirSync(secretsDir, { mode: 0o700 });
  const values = new Map<string, Record<string, string>>();
  for (const { secret, key, file } of usersJobSecretFiles(objects)) {
    const keys = values.get(secret) ?? {};
    keys[key] ??=
      key === 'username'
        ? secret.replace(/(-elasticsearch)?-credentials$/, '')
        : randomBytes(24).toString('base64url');
    values.set(secret, keys);
    fs.writeFileSync(path.join(secretsDir, file), `${keys[key]}\n`, { mode: 0o600 });
  }
  return values;
}
