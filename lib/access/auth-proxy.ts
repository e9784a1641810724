import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { ComponentIdentity } from '../core/labels';
import { Images } from '../core/images';
import { validateInteger } from '../core/names';
import { ExternalPeer } from '../core/network-flow';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { secretFilesMount, SecretFilesMount, validateSecretRef } from '../core/secrets';
import {
  renderContainer,
  addWorkload,
  scrapeAnnotations,
  Spread,
  spreadPods,
} from '../core/workload';

/**
 * The OpenID Connect provider users sign in with (Keycloak, Dex, Okta, Entra ID, Google...).
 * Register one client for the stack with every URL of `UiAccess.redirectUrls` as a
 * redirect URI, and have the provider put the user's groups into the ID token.
 */
export interface OidcProviderProps {
  /** The issuer URL, `https://`, exactly as the provider's discovery document names it. */
  readonly issuerUrl: string;
  /** The client id registered for the stack. */
  readonly clientId: string;
  /**
   * The Secret (in the stack's namespace) with the client secret and the cookie secret:
   * `openssl rand -hex 16` gives a valid cookie secret (16, 24 or 32 bytes).
   */
  readonly secretName: string;
  /** @default 'client-secret' */
  readonly clientSecretKey?: string;
  /** @default 'cookie-secret' */
  readonly cookieSecretKey?: string;
  /** The ID token claim that lists the user's groups. @default 'groups' */
  readonly groupsClaim?: string;
  /** Scopes requested at sign-in. @default ['openid', 'email', 'profile', 'groups'] */
  readonly scopes?: string[];
}

/** Props of one {@link AuthProxy}. */
export interface AuthProxyProps extends ComponentProps {
  /** The UI the proxy forwards signed-in users to. */
  readonly upstream: ServiceEndpoint;
  /** The public URL of the UI, `https://host`, whose `/oauth2/callback` is the redirect URI. */
  readonly publicUrl: string;
  readonly oidc: OidcProviderProps;
  /** Groups whose members may pass; everyone else is refused after signing in. */
  readonly allowedGroups: string[];
  /**
   * Addresses allowed to set `X-Forwarded-*` headers (`--trusted-proxy-ip`): the ingress
   * controller's pod CIDR. The NetworkPolicy already admits the controller alone.
   * @default - every address (the NetworkPolicy is the guard)
   */
  readonly trustedProxyCidrs?: string[];
  /** @default 1 */
  readonly replicas?: number;
  /** @default Spread.NONE */
  readonly spread?: Spread;
  /** @default { cpuRequest: '25m', memoryRequest: '32Mi', memoryLimit: '128Mi' } */
  readonly resources?: ContainerResources;
}

/** The OpenID Connect provider the UI sign-in proxies talk to, usually outside the cluster. */
export const IDENTITY_PROVIDER_PEER: ExternalPeer = {
  name: 'identity-provider',
  address: { kind: 'cidr', option: 'identityProviderCidr' },
};

const HTTP_PORT = 4180;
const METRICS_PORT = 44180;
// The image's own user (distroless `nonroot`).
const UID = 65532;
const SECRETS_DIR = '/etc/oauth2-proxy';
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '25m',
  memoryRequest: '32Mi',
  memoryLimit: '128Mi',
};
const DEFAULT_SCOPES = ['openid', 'email', 'profile', 'groups'];

/** What the proxy pods are built from. */
interface ProxyPod {
  readonly identity: ComponentIdentity;
  readonly serviceAccountName: string;
  readonly container: k8s.Container;
  readonly secrets: SecretFilesMount;
}

/**
 * oauth2-proxy in reverse-proxy mode in front of one UI: a browser without a session is
 * sent to the OIDC provider, a user outside `allowedGroups` is refused, and only signed-in
 * members reach the UI. Because the proxy forwards the requests itself (instead of
 * answering an ingress controller's sub-request), it works behind any ingress controller
 * or gateway, and the UI's NetworkPolicy admits this proxy alone: an Ingress that points
 * at the UI directly gets nowhere.
 */
export class AuthProxy extends Component {
  /** The proxy's Service, which the Ingress routes to. */
  public readonly endpoint: ServiceEndpoint;
  /** The redirect URI to register with the OIDC provider. */
  public readonly redirectUrl: string;
  /** The groups allowed through. */
  public readonly allowedGroups: readonly string[];

  constructor(scope: Construct, id: string, props: AuthProxyProps) {
    super(scope, id, props, 'oauth2-proxy', Images.oauth2Proxy);
    const issuer = parseIssuer(this, props.oidc.issuerUrl);
    const secrets = this.mountOidcSecrets(props.oidc);
    this.validateClientId(props.oidc.clientId);
    const scopes = this.validateScopes(props.oidc.scopes ?? DEFAULT_SCOPES);
    this.allowedGroups = props.allowedGroups;
    this.redirectUrl = `${props.publicUrl}/oauth2/callback`;
    const replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1, 10);

    const identity = this.identity('proxy');
    const serviceAccountName = this.addServiceAccount();
    [this.endpoint] = this.addService('service', this.name, 'proxy', [
      { name: 'http', port: HTTP_PORT },
    ]);
    this.recordFlows(props.upstream, issuer.port);
    const container = this.renderProxyContainer(props, scopes, secrets);
    this.addDeployment(replicas, props.spread ?? Spread.NONE, {
      identity,
      serviceAccountName,
      container,
      secrets,
    });
    this.addDisruptionBudget('disruption-budget', this.name, 'proxy', replicas);
  }

  /** The client secret and the cookie secret, recorded, as files of one volume. */
  private mountOidcSecrets(oidc: OidcProviderProps): SecretFilesMount {
    const clientSecret = validateSecretRef(this, 'oidc.secretName', {
      name: oidc.secretName,
      key: oidc.clientSecretKey ?? 'client-secret',
    });
    const cookieSecret = validateSecretRef(this, 'oidc.secretName', {
      name: oidc.secretName,
      key: oidc.cookieSecretKey ?? 'cookie-secret',
    });
    this.recordExternalSecret({
      name: oidc.secretName,
      keys: [clientSecret.key, cookieSecret.key],
      purpose: 'OIDC client secret and session cookie secret of the UI sign-in proxies',
    });
    return secretFilesMount('oidc-secrets', SECRETS_DIR, [
      { ref: clientSecret, file: 'client-secret' },
      { ref: cookieSecret, file: 'cookie-secret' },
    ]);
  }

  /** `oidc.clientId`: non-empty, without whitespace. */
  private validateClientId(clientId: string): void {
    if (!clientId || /\s/.test(clientId)) {
      invalidProp(
        this,
        'oidc.clientId',
        clientId,
        'must be the non-empty client id registered with the provider',
        "copy the client id from the provider, for example 'observability'",
      );
    }
  }

  /** `oidc.scopes`, which must request an ID token (`openid`). */
  private validateScopes(scopes: string[]): string[] {
    if (!scopes.includes('openid')) {
      invalidProp(
        this,
        'oidc.scopes',
        scopes,
        "must include 'openid': without it the provider returns no ID token",
        "add 'openid' to the list",
      );
    }
    return scopes;
  }

  /** The flows out: to the UI, and to the identity provider on the issuer's port. */
  private recordFlows(upstream: ServiceEndpoint, issuerPort: number): void {
    this.connectTo('proxy', upstream, 'forwards signed-in users to the UI');
    this.connectTo('proxy', IDENTITY_PROVIDER_PEER, 'OIDC discovery, keys and token redemption', [
      { port: issuerPort },
    ]);
  }

  /** The oauth2-proxy container: its flags, ports, probes and the secret files. */
  private renderProxyContainer(
    props: AuthProxyProps,
    scopes: string[],
    secrets: SecretFilesMount,
  ): k8s.Container {
    return renderContainer(this, 'resources', {
      name: 'oauth2-proxy',
      image: this.image,
      args: this.renderArgs(props, scopes, secrets),
      ports: [
        { name: 'http', containerPort: HTTP_PORT },
        { name: 'metrics', containerPort: METRICS_PORT },
      ],
      resources: props.resources ?? DEFAULT_RESOURCES,
      readinessProbe: httpProbe('readiness', '/ready', 'http'),
      livenessProbe: httpProbe('liveness', '/ping', 'http'),
      volumeMounts: [secrets.volumeMount],
      runAsUser: UID,
    });
  }

  /** oauth2-proxy's flags: OIDC sign-in, the group check, the cookie and the upstream. */
  private renderArgs(props: AuthProxyProps, scopes: string[], secrets: SecretFilesMount): string[] {
    const oidc = props.oidc;
    return [
      `--http-address=0.0.0.0:${HTTP_PORT}`,
      `--metrics-address=0.0.0.0:${METRICS_PORT}`,
      '--provider=oidc',
      `--oidc-issuer-url=${oidc.issuerUrl}`,
      `--client-id=${oidc.clientId}`,
      `--client-secret-file=${secrets.paths['client-secret']}`,
      `--cookie-secret-file=${secrets.paths['cookie-secret']}`,
      `--scope=${scopes.join(' ')}`,
      `--oidc-groups-claim=${oidc.groupsClaim ?? 'groups'}`,
      '--code-challenge-method=S256',
      `--redirect-url=${this.redirectUrl}`,
      `--upstream=${props.upstream.url}/`,
      // Sign-in is decided by group alone: any e-mail domain, only these groups.
      '--email-domain=*',
      ...this.allowedGroups.map((group) => `--allowed-group=${group}`),
      `--cookie-name=_oauth2_proxy_${this.name.replace(/-/g, '_')}`,
      '--cookie-secure=true',
      '--cookie-samesite=lax',
      '--skip-provider-button=true',
      // Behind the ingress controller, the only client the NetworkPolicy admits.
      '--reverse-proxy=true',
      ...(props.trustedProxyCidrs ?? []).map(
        (cidr, i) => `--trusted-proxy-ip=${validateCidr(this, `trustedProxyCidrs[${i}]`, cidr)}`,
      ),
      '--silence-ping-logging=true',
    ];
  }

  /** The proxy Deployment. */
  private addDeployment(replicas: number, spread: Spread, pod: ProxyPod): void {
    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'proxy'),
      spec: {
        kind: 'Deployment',
        replicas,
        pod: {
          identity: pod.identity,
          serviceAccountName: pod.serviceAccountName,
          automountServiceAccountToken: false,
          containers: [pod.container],
          volumes: [pod.secrets.volume],
          annotations: scrapeAnnotations(METRICS_PORT),
          uid: UID,
          ...spreadPods(pod.identity, spread),
        },
      },
    });
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function validateCidr(scope: Construct, prop: string, cidr: string): string {
  const m = CIDR.exec(cidr);
  if (!m || m.slice(1, 5).some((octet) => Number(octet) > 255) || Number(m[5]) > 32) {
    invalidProp(
      scope,
      prop,
      cidr,
      'must be an IPv4 CIDR',
      "use the ingress controller's pod range, for example '10.244.0.0/16'",
    );
  }
  return cidr;
}

/** The issuer's port, from an `https://` URL. */
function parseIssuer(scope: Construct, issuerUrl: string): { port: number } {
  let url: URL | undefined;
  try {
    url = new URL(issuerUrl);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.search || url.hash) {
    invalidProp(
      scope,
      'oidc.issuerUrl',
      issuerUrl,
      'must be the https:// issuer URL of the OIDC provider, without a query or fragment',
      "use the `issuer` of the provider's /.well-known/openid-configuration, for example 'https://login.example.com/realms/platform'",
    );
  }
  return { port: url.port ? Number(url.port) : 443 };
}
