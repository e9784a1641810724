/** Where the image keeps Kibana's files. */
export const KIBANA_HOME = '/usr/share/kibana';
export const KIBANA_PORT = 5601;

/** Environment variables kibana.yml reads its secrets from (Kibana substitutes `${VAR}`). */
export const KIBANA_ENV = {
  // Names outside the image's env-to-setting mapping, so they are only read through kibana.yml.
  systemPassword: 'KIBANA_SYSTEM_PASSWORD',
  encryptedSavedObjectsKey: 'KIBANA_ENCRYPTED_SAVED_OBJECTS_KEY',
  securityKey: 'KIBANA_SECURITY_ENCRYPTION_KEY',
  reportingKey: 'KIBANA_REPORTING_ENCRYPTION_KEY',
} as const;

/** Options of kibana.yml. */
export interface KibanaConfigOptions {
  /** `server.name`. */
  readonly serverName: string;
  /** The Elasticsearch URL (`elasticsearch.hosts`). */
  readonly elasticsearchUrl: string;
  /** CA file that signs the Elasticsearch certificate; undefined when TLS is off. */
  readonly caFile?: string;
  /** Log in to Elasticsearch as the built-in `kibana_system`, its password from the environment. */
  readonly kibanaSystemUser: boolean;
  /** `server.publicBaseUrl`. @default - not set */
  readonly publicBaseUrl?: string;
}

const env = (name: string) => `\${${name}}`;

/** The built-in user Kibana's server connects to Elasticsearch as. */
export const KIBANA_SYSTEM_USER = 'kibana_system';

/** Renders kibana.yml. Secrets appear only as `${VAR}` references. */
export function renderKibanaConfig(opts: KibanaConfigOptions): object {
  const config: Record<string, unknown> = {
    'server.host': '0.0.0.0',
    'server.port': KIBANA_PORT,
    'server.name': opts.serverName,
  };
  if (opts.publicBaseUrl) config['server.publicBaseUrl'] = opts.publicBaseUrl;
  config['path.data'] = `${KIBANA_HOME}/data`;
  config['elasticsearch.hosts'] = [opts.elasticsearchUrl];
  if (opts.kibanaSystemUser) {
    config['elasticsearch.username'] = KIBANA_SYSTEM_USER;
    config['elasticsearch.password'] = env(KIBANA_ENV.systemPassword);
  }
  if (opts.caFile) {
    config['elasticsearch.ssl.certificateAuthorities'] = [opts.caFile];
    config['elasticsearch.ssl.verificationMode'] = 'full';
  }
  // Fixed keys shared by all replicas: sessions, encrypted saved objects (alerting rules)
  // and reports stay readable across restarts and on every replica.
  config['xpack.encryptedSavedObjects.encryptionKey'] = env(KIBANA_ENV.encryptedSavedObjectsKey);
  config['xpack.security.encryptionKey'] = env(KIBANA_ENV.securityKey);
  config['xpack.reporting.encryptionKey'] = env(KIBANA_ENV.reportingKey);
  // ECS JSON on stdout, so Kibana's own logs go through the same pipeline as the apps'.
  config.logging = {
    appenders: { 'json-console': { type: 'console', layout: { type: 'json' } } },
    root: { appenders: ['json-console'] },
  };
  return config;
}
