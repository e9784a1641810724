/** A grafana.ini value. */
export type IniValue = string | number | boolean;

/** grafana.ini as sections of keys, in the order they are written. */
export type IniSections = Record<string, Record<string, IniValue | undefined>>;

/**
 * Renders an INI file: `[section]` headers and `key = value` lines. Undefined
 * values are left out; empty sections too. Values never span lines.
 */
export function renderIni(sections: IniSections): string {
  const blocks: string[] = [];
  for (const [section, keys] of Object.entries(sections)) {
    const lines = Object.entries(keys)
      .filter((entry): entry is [string, IniValue] => entry[1] !== undefined)
      .map(([key, value]) => {
        const text = String(value);
        if (/[\r\n]/.test(text))
          throw new Error(`grafana.ini value of [${section}] ${key} spans lines`);
        return `${key} = ${text}`;
      });
    if (lines.length > 0) blocks.push([`[${section}]`, ...lines].join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}

/** Inputs of {@link renderGrafanaIni}. */
export interface GrafanaIniOptions {
  readonly httpPort: number;
  /** Public URL Grafana is served under (`server.root_url`). @default - Grafana's default */
  readonly rootUrl?: string;
  /** `security.cookie_secure`: only send the session cookie over HTTPS. */
  readonly cookieSecure: boolean;
  readonly dataPath: string;
  readonly provisioningPath: string;
}

/**
 * Renders grafana.ini: no telemetry or update checks, no anonymous access or
 * sign-up, JSON logs on stdout, and 1 s as the shortest dashboard refresh.
 * Secrets (admin password, database) are never here: they are files that GF_*__FILE env vars name.
 */
export function renderGrafanaIni(options: GrafanaIniOptions): string {
  return renderIni({
    paths: {
      data: options.dataPath,
      plugins: `${options.dataPath}/plugins`,
      provisioning: options.provisioningPath,
    },
    server: {
      protocol: 'http',
      http_port: options.httpPort,
      root_url: options.rootUrl,
      enable_gzip: true,
    },
    analytics: {
      reporting_enabled: false,
      check_for_updates: false,
      check_for_plugin_updates: false,
      feedback_links_enabled: false,
    },
    security: {
      cookie_secure: options.cookieSecure,
      cookie_samesite: 'lax',
      disable_gravatar: true,
      allow_embedding: false,
    },
    users: {
      allow_sign_up: false,
      allow_org_create: false,
    },
    'auth.anonymous': {
      enabled: false,
    },
    log: {
      mode: 'console',
      level: 'info',
    },
    'log.console': {
      format: 'json',
    },
    dashboards: {
      min_refresh_interval: '1s',
    },
    metrics: {
      enabled: true,
    },
  });
}

/** Fixed data source uids: dashboards and cross-links refer to them. */
export const DatasourceUids = {
  prometheus: 'prometheus',
  elasticsearch: 'elasticsearch',
  jaeger: 'jaeger',
} as const;

/** Inputs of {@link renderGrafanaDatasources}. */
export interface GrafanaDatasourcesOptions {
  readonly prometheus?: {
    readonly url: string;
    /** `jsonData.prometheusType`. @default 'Prometheus' */
    readonly type?: 'Prometheus' | 'Thanos';
  };
  readonly elasticsearch?: {
    readonly url: string;
    /** Index pattern of the logs, e.g. `logs-*`. */
    readonly index: string;
    /**
     * Log in with the user name and password read from these files (`$__file{...}`).
     * @default - no authentication
     */
    readonly basicAuth?: { readonly usernameFile: string; readonly passwordFile: string };
    /** CA file that signs the cluster's HTTP certificate. @default - no TLS verification settings */
    readonly caFile?: string;
  };
  readonly jaeger?: { readonly url: string };
}

/**
 * Grafana expands `$VAR`, `${VAR}` and `$__file{...}` in every provisioned
 * value; `$$` is a literal `$`. Grafana's own template variables (`${__value.raw}`)
 * must therefore be escaped, or they are replaced by (empty) environment variables.
 */
export function escapeProvisioningValue(value: string): string {
  return value.split('$').join('$$');
}

/**
 * Renders the data source provisioning file with fixed uids and the links
 * that make one trace id connect the pillars: exemplar to trace (Prometheus),
 * log line to trace (Elasticsearch `trace.id`), span to logs (Jaeger).
 * A link is only rendered when its target data source exists.
 */
export function renderGrafanaDatasources(options: GrafanaDatasourcesOptions): object {
  const datasources: object[] = [];
  if (options.prometheus) {
    datasources.push({
      name: 'Prometheus',
      type: 'prometheus',
      uid: DatasourceUids.prometheus,
      access: 'proxy',
      url: options.prometheus.url,
      isDefault: true,
      editable: false,
      jsonData: {
        httpMethod: 'POST',
        prometheusType: options.prometheus.type ?? 'Prometheus',
        exemplarTraceIdDestinations: options.jaeger
          ? [{ name: 'trace_id', datasourceUid: DatasourceUids.jaeger }]
          : undefined,
      },
    });
  }
  const es = options.elasticsearch;
  if (es) {
    const secureJsonData: Record<string, string> = {};
    if (es.basicAuth) secureJsonData.basicAuthPassword = `$__file{${es.basicAuth.passwordFile}}`;
    if (es.caFile) secureJsonData.tlsCACert = `$__file{${es.caFile}}`;
    datasources.push({
      name: 'Elasticsearch',
      type: 'elasticsearch',
      uid: DatasourceUids.elasticsearch,
      access: 'proxy',
      url: es.url,
      isDefault: !options.prometheus,
      editable: false,
      basicAuth: es.basicAuth !== undefined,
      basicAuthUser: es.basicAuth ? `$__file{${es.basicAuth.usernameFile}}` : undefined,
      jsonData: {
        index: es.index,
        timeField: '@timestamp',
        logMessageField: 'message',
        logLevelField: 'log.level',
        tlsAuthWithCACert: es.caFile ? true : undefined,
        dataLinks: options.jaeger
          ? [
              {
                field: 'trace.id',
                datasourceUid: DatasourceUids.jaeger,
                url: escapeProvisioningValue('${__value.raw}'),
              },
            ]
          : undefined,
      },
      secureJsonData: Object.keys(secureJsonData).length > 0 ? secureJsonData : undefined,
    });
  }
  if (options.jaeger) {
    datasources.push({
      name: 'Jaeger',
      type: 'jaeger',
      uid: DatasourceUids.jaeger,
      access: 'proxy',
      url: options.jaeger.url,
      isDefault: !options.prometheus && !es,
      editable: false,
      jsonData: {
        tracesToLogsV2: es
          ? {
              datasourceUid: DatasourceUids.elasticsearch,
              customQuery: true,
              query: escapeProvisioningValue('trace.id:"${__trace.traceId}"'),
              spanStartTimeShift: '-5m',
              spanEndTimeShift: '5m',
            }
          : undefined,
        nodeGraph: { enabled: true },
      },
    });
  }
  // `prune` removes data sources that were provisioned before and are gone now.
  return { apiVersion: 1, prune: true, datasources };
}

/** Inputs of {@link renderDashboardProviders}. */
export interface DashboardProvidersOptions {
  /** Directory the dashboard JSON files are mounted in. */
  readonly path: string;
}

/** Renders the dashboard provider provisioning file: one read-only file provider. */
export function renderDashboardProviders(options: DashboardProvidersOptions): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'default',
        orgId: 1,
        folder: '',
        type: 'file',
        // Dashboards are code: edits in the UI would be lost on the next rollout.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: options.path, foldersFromFilesStructure: false },
      },
    ],
  };
}
