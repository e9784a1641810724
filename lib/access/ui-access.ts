import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ServiceEndpoint } from '../core/endpoint';
import { ErrorScope, invalidProp } from '../core/errors';
import { standardLabels } from '../core/labels';
import { validateDnsLabel } from '../core/names';
import { ExternalSecret } from '../core/secrets';
import { ContainerResources } from '../core/resources';
import { Spread } from '../core/workload';
import { AuthProxy, OidcProviderProps } from './auth-proxy';

/** The stack's web UIs. */
export enum StackUi {
  KIBANA = 'kibana',
  GRAFANA = 'grafana',
  JAEGER = 'jaeger',
  PROMETHEUS = 'prometheus',
  ALERTMANAGER = 'alertmanager',
}

/** Every UI, in the order objects and tables list them. */
export const STACK_UIS: readonly StackUi[] = [
  StackUi.KIBANA,
  StackUi.GRAFANA,
  StackUi.JAEGER,
  StackUi.PROMETHEUS,
  StackUi.ALERTMANAGER,
];

/** A team: the identity-provider groups of its members and the UIs they may open. */
export interface TeamAccess {
  /** The team's name, for tables and errors (a DNS label). */
  readonly name: string;
  /** Groups (as the provider's groups claim lists them) whose members belong to the team. */
  readonly groups: string[];
  /** The UIs the team may open. */
  readonly uis: StackUi[];
}

/** Where the Ingresses' TLS certificates come from: exactly one of the two. */
export interface UiTls {
  /** A cert-manager ClusterIssuer: each Ingress gets its own certificate, in Secret `<ui>-tls`. */
  readonly clusterIssuer?: string;
  /** An existing `kubernetes.io/tls` Secret (for example a wildcard for the domain) used by every Ingress. */
  readonly secretName?: string;
}

/** How users reach the UIs: host names, TLS, the OIDC provider and who may open what. */
export interface UiAccessProps {
  /** The UIs are served at `https://<ui>.<domain>`, for example `kibana.observability.example.com`. */
  readonly domain: string;
  /** Host names that replace `<ui>.<domain>` for some UIs. @default - `<ui>.<domain>` */
  readonly hosts?: Partial<Record<StackUi, string>>;
  /** The IngressClass that serves the Ingresses. @default 'nginx' */
  readonly ingressClassName?: string;
  /**
   * Annotations for the ingress controller on every Ingress, for example
   * `nginx.ingress.kubernetes.io/proxy-buffer-size: '16k'`: the proxies' session cookies (an
   * ID token with many groups) can outgrow ingress-nginx's default 4k response-header buffer.
   * @default - none (cert-manager's annotation is added for `tls.clusterIssuer`)
   */
  readonly ingressAnnotations?: Record<string, string>;
  readonly tls: UiTls;
  readonly oidc: OidcProviderProps;
  /**
   * Who may open which UI. A UI that no team lists gets no Ingress and no proxy: it stays
   * reachable by port-forward only.
   */
  readonly teams: TeamAccess[];
  /** See {@link AuthProxyProps.trustedProxyCidrs}. @default - every address (the NetworkPolicy is the guard) */
  readonly trustedProxyCidrs?: string[];
  /** The sign-in proxies' replicas. @default 1 */
  readonly replicas?: number;
  /** @default Spread.NONE */
  readonly spread?: Spread;
  /** The sign-in proxies' resources. @default - see AuthProxyProps */
  readonly resources?: ContainerResources;
  /** The sign-in proxies' image. @default Images.oauth2Proxy */
  readonly image?: string;
}

const ANNOTATION_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

function validateHost(scope: ErrorScope, prop: string, host: string): string {
  if (typeof host !== 'string' || !HOST_NAME.test(host)) {
    invalidProp(
      scope,
      prop,
      host,
      'must be a lower-case DNS name with at least two labels',
      "use a name such as 'observability.example.com'",
    );
  }
  return host;
}

/**
 * The public URL of each UI that `props` exposes (a team lists it), without building
 * anything: components that link to a UI need the URL before the UI's proxy exists.
 */
export function resolveUiUrls(
  scope: IConstruct,
  prop: string,
  props: UiAccessProps,
): Partial<Record<StackUi, string>> {
  const domain = validateHost(scope, `${prop}.domain`, props.domain);
  for (const [ui, host] of Object.entries(props.hosts ?? {})) {
    if (!STACK_UIS.includes(ui as StackUi)) {
      invalidProp(
        scope,
        `${prop}.hosts`,
        ui,
        'names a UI the stack does not have',
        `use one of ${STACK_UIS.join(', ')}`,
      );
    }
    validateHost(scope, `${prop}.hosts.${ui}`, host!);
  }
  const urls: Partial<Record<StackUi, string>> = {};
  for (const ui of exposedUis(scope, prop, props))
    urls[ui] = `https://${props.hosts?.[ui] ?? `${ui}.${domain}`}`;
  return urls;
}

/** The UIs some team lists, after checking the teams. */
function exposedUis(scope: IConstruct, prop: string, props: UiAccessProps): StackUi[] {
  if (!Array.isArray(props.teams) || props.teams.length === 0) {
    invalidProp(
      scope,
      `${prop}.teams`,
      props.teams,
      'must list at least one team: with none, every UI would refuse everyone',
      "add a team, for example { name: 'sre', groups: ['sre'], uis: [StackUi.GRAFANA, StackUi.KIBANA] }",
    );
  }
  const names = new Set<string>();
  props.teams.forEach((team, i) => {
    const at = `${prop}.teams[${i}]`;
    validateDnsLabel(scope, `${at}.name`, team.name);
    if (names.has(team.name))
      invalidProp(
        scope,
        `${at}.name`,
        team.name,
        'is used by two teams',
        'give each team its own name, or merge the two',
      );
    names.add(team.name);
    if (!Array.isArray(team.groups) || team.groups.length === 0) {
      invalidProp(
        scope,
        `${at}.groups`,
        team.groups,
        'must list at least one group',
        "add the provider's group of the team's members, for example ['sre']",
      );
    }
    for (const group of team.groups) {
      // The proxy's --allowed-group flag splits its value on commas.
      if (typeof group !== 'string' || group.trim() === '' || group.includes(',')) {
        invalidProp(
          scope,
          `${at}.groups`,
          group,
          'must be a non-empty group name without commas',
          'use the group name exactly as the groups claim lists it',
        );
      }
    }
    if (!Array.isArray(team.uis) || team.uis.length === 0) {
      invalidProp(
        scope,
        `${at}.uis`,
        team.uis,
        'must list at least one UI',
        `list some of ${STACK_UIS.join(', ')}, or remove the team`,
      );
    }
    for (const ui of team.uis) {
      if (!STACK_UIS.includes(ui))
        invalidProp(
          scope,
          `${at}.uis`,
          ui,
          'names a UI the stack does not have',
          `use one of ${STACK_UIS.join(', ')}`,
        );
    }
  });
  return STACK_UIS.filter((ui) => props.teams.some((team) => team.uis.includes(ui)));
}

/** Props of {@link UiAccess}: the access settings and the UIs' Services. */
export interface UiAccessConstructProps extends UiAccessProps {
  /** The Service of each UI. */
  readonly upstreams: Record<StackUi, ServiceEndpoint>;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /** The prop path of these settings, for errors. @default 'access' */
  readonly prop?: string;
}

/** One exposed UI: where it is, who may open it and the proxy in front of it. */
export interface ExposedUi {
  readonly ui: StackUi;
  readonly url: string;
  readonly teams: string[];
  readonly groups: string[];
  readonly proxy: AuthProxy;
}

/** What every Ingress shares. */
interface IngressSettings {
  readonly namespace: string;
  readonly ingressClassName: string;
  readonly annotations?: Record<string, string>;
  readonly tls: UiTls;
}

/**
 * The UIs behind sign-in: per UI that a team may open, an {@link AuthProxy} admitting the
 * groups of those teams, and an Ingress with TLS that routes the UI's host to that proxy.
 */
export class UiAccess extends Construct {
  /** The exposed UIs, in {@link STACK_UIS} order. */
  public readonly exposed: ExposedUi[];
  /** The redirect URIs to register with the OIDC provider's client. */
  public readonly redirectUrls: string[];
  /** Namespace of the Ingresses and the sign-in proxies. */
  public readonly namespace: string;
  private readonly secrets: ExternalSecret[] = [];

  constructor(scope: Construct, id: string, props: UiAccessConstructProps) {
    super(scope, id);
    const prop = props.prop ?? 'access';
    const namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    this.namespace = namespace;
    const urls = resolveUiUrls(this, prop, props);
    const tls = this.validateTls(prop, props.tls);
    const ingressClassName = validateDnsLabel(
      this,
      `${prop}.ingressClassName`,
      props.ingressClassName ?? 'nginx',
      253,
    );
    const annotations = this.resolveAnnotations(prop, props.ingressAnnotations, tls);
    const ingress: IngressSettings = { namespace, ingressClassName, annotations, tls };
    this.exposed = (Object.keys(urls) as StackUi[]).map((ui) =>
      this.exposeUi(ui, urls[ui]!, props, ingress),
    );
    this.redirectUrls = this.exposed.map((e) => e.proxy.redirectUrl);
  }

  /** Secrets the user creates (the TLS Secret, when one is named); the proxies list their own. */
  public get externalSecrets(): readonly ExternalSecret[] {
    return this.secrets.map((s) => ({ ...s, keys: [...s.keys] }));
  }

  /** The proxies' Services: what the ingress controller reaches. */
  public get endpoints(): ServiceEndpoint[] {
    return this.exposed.map((e) => e.proxy.endpoint);
  }

  /**
   * `tls`: exactly one of a ClusterIssuer and an existing Secret, which is recorded as a
   * Secret the user creates.
   */
  private validateTls(prop: string, props: UiTls | undefined): UiTls {
    const tls = props ?? {};
    if ((tls.clusterIssuer === undefined) === (tls.secretName === undefined)) {
      invalidProp(
        this,
        `${prop}.tls`,
        props,
        'must set exactly one of clusterIssuer and secretName: the UIs are served over HTTPS only',
        "set { clusterIssuer: 'letsencrypt' } for cert-manager, or { secretName: 'observability-tls' } for an existing certificate",
      );
    }
    if (tls.clusterIssuer !== undefined)
      validateDnsLabel(this, `${prop}.tls.clusterIssuer`, tls.clusterIssuer, 253);
    if (tls.secretName !== undefined) {
      validateDnsLabel(this, `${prop}.tls.secretName`, tls.secretName, 253);
      this.secrets.push({
        name: tls.secretName,
        keys: ['tls.crt', 'tls.key'],
        purpose: "TLS certificate of the UIs' host names (kubernetes.io/tls)",
      });
    }
    return tls;
  }

  /**
   * The annotations of every Ingress, sorted by key: `ingressAnnotations` (valid keys, not
   * cert-manager's), then cert-manager's issuer of `tls.clusterIssuer`; none when empty.
   */
  private resolveAnnotations(
    prop: string,
    ingressAnnotations: Record<string, string> | undefined,
    tls: UiTls,
  ): Record<string, string> | undefined {
    for (const key of Object.keys(ingressAnnotations ?? {})) {
      if (key === 'cert-manager.io/cluster-issuer') {
        invalidProp(
          this,
          `${prop}.ingressAnnotations`,
          key,
          'is set from tls.clusterIssuer',
          'set tls.clusterIssuer instead',
        );
      }
      if (!ANNOTATION_KEY.test(key)) {
        invalidProp(
          this,
          `${prop}.ingressAnnotations`,
          key,
          'is not a valid annotation key',
          "use an optional DNS prefix and a name, for example 'nginx.ingress.kubernetes.io/proxy-buffer-size'",
        );
      }
    }
    const merged = {
      ...ingressAnnotations,
      ...(tls.clusterIssuer ? { 'cert-manager.io/cluster-issuer': tls.clusterIssuer } : {}),
    };
    return Object.keys(merged).length > 0
      ? Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)))
      : undefined;
  }

  /** One UI: the proxy admitting the groups of the teams that list it, then its Ingress. */
  private exposeUi(
    ui: StackUi,
    url: string,
    props: UiAccessConstructProps,
    ingress: IngressSettings,
  ): ExposedUi {
    const teams = props.teams.filter((team) => team.uis.includes(ui));
    const groups = [...new Set(teams.flatMap((team) => team.groups))].sort();
    const proxy = new AuthProxy(this, `${ui}-auth`, {
      namespace: ingress.namespace,
      image: props.image,
      upstream: props.upstreams[ui],
      publicUrl: url,
      oidc: props.oidc,
      allowedGroups: groups,
      trustedProxyCidrs: props.trustedProxyCidrs,
      replicas: props.replicas,
      spread: props.spread,
      resources: props.resources,
    });
    this.addIngress(ui, new URL(url).host, proxy, ingress);
    return { ui, url, teams: teams.map((team) => team.name), groups, proxy };
  }

  /** The Ingress that routes `host`, over TLS, to the UI's proxy. */
  private addIngress(ui: StackUi, host: string, proxy: AuthProxy, ingress: IngressSettings): void {
    new k8s.KubeIngress(this, `${ui}-ingress`, {
      metadata: {
        name: ui,
        namespace: ingress.namespace,
        labels: standardLabels(proxy.identity('ingress')),
        annotations: ingress.annotations,
      },
      spec: {
        ingressClassName: ingress.ingressClassName,
        tls: [{ hosts: [host], secretName: ingress.tls.secretName ?? `${ui}-tls` }],
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: {
                    service: {
                      name: proxy.endpoint.serviceName,
                      port: { number: proxy.endpoint.port },
                    },
                  },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
