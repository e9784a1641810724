import { Testing } from 'cdk8s';
import { ObservabilityStack, StackSecret } from '../lib';
import { ENVIRONMENTS, environmentProfile } from './environments';

/** The Secrets each bundled environment reads, keyed by namespace and name. */
export function secretsByEnvironment(): Map<
  string,
  { secret: StackSecret; environments: string[] }
> {
  const rows = new Map<string, { secret: StackSecret; environments: string[] }>();
  for (const env of ENVIRONMENTS) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    for (const secret of stack.externalSecrets) {
      const id = `${secret.namespace}/${secret.name}`;
      const row = rows.get(id) ?? { secret, environments: [] };
      if (!row.environments.includes(env)) row.environments.push(env);
      rows.set(id, row);
    }
  }
  return new Map([...rows.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The README table of Secrets the user creates. */
export function renderSecretsTable(): string {
  return [...secretsByEnvironment().values()]
    .map(({ secret, environments }) => {
      const envs = environments.length === ENVIRONMENTS.length ? 'all' : environments.join(', ');
      return `| \`${secret.name}\` | ${secret.namespace} | ${secret.keys.map((k) => `\`${k}\``).join(', ')} | ${envs} | ${secret.purpose} |`;
    })
    .join('\n');
}

/** Keys whose values can be drawn at random: a user's name and password. */
const CREDENTIAL_KEYS = ['username', 'password'];

/**
 * The username a generated Secret holds: the Secret's name without `-credentials` (and
 * `-elasticsearch`), or its first word, so `kibana-setup-credentials` gets `kibana-setup`, never
 * a name Elasticsearch reserves such as `kibana`.
 */
function generatedUsername(secretName: string): string {
  const stripped = secretName.replace(/(-elasticsearch)?-credentials$/, '');
  return stripped === secretName ? secretName.split('-')[0] : stripped;
}

/**
 * Shell commands that create, with random values and skipping those that exist, every Secret
 * of `environment` that can be random: all of dev's; in staging and prod those that hold only a
 * username and a password (the Elasticsearch clients', `kibana-system-password`, Grafana's
 * admin), the others (certificates, cloud keys, webhook URLs, OIDC) listed as comments to
 * create yourself. Only commands are printed: the values are drawn by openssl when they run.
 */
export function renderDevSecretsScript(environment = 'dev'): string {
  if (!(ENVIRONMENTS as readonly string[]).includes(environment))
    throw new Error(`unknown environment '${environment}': use one of ${ENVIRONMENTS.join(', ')}`);
  const lines = [...secretsByEnvironment().values()]
    .filter(({ environments }) => environments.includes(environment))
    .map(({ secret }) => {
      const random =
        environment === 'dev' || secret.keys.every((key) => CREDENTIAL_KEYS.includes(key));
      if (!random)
        return `# create yourself: ${secret.name} -n ${secret.namespace} (${secret.keys.join(', ')}): ${secret.purpose}`;
      const literals = secret.keys.map((key) =>
        key === 'username'
          ? `--from-literal=${key}=${generatedUsername(secret.name)}`
          : `--from-literal=${key}="$(openssl rand -hex 32)"`,
      );
      return `kubectl get secret ${secret.name} -n ${secret.namespace} >/dev/null 2>&1 || kubectl create secret generic ${secret.name} -n ${secret.namespace} ${literals.join(' ')}`;
    });
  return lines.join('\n');
}

if (require.main === module) {
  const [flag, environment] = process.argv.slice(2);
  process.stdout.write(
    `${flag === '--table' ? renderSecretsTable() : renderDevSecretsScript(flag === '--environment' ? environment : 'dev')}\n`,
  );
}
