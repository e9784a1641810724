import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { validateDnsLabel } from '../core/names';

/** The key usages of a node certificate: TLS server (HTTP, transport) and client (transport), with an RSA key. */
export const ELASTICSEARCH_CERTIFICATE_USAGES: readonly string[] = [
  'server auth',
  'client auth',
  'digital signature',
  'key encipherment',
];

/** A cert-manager issuer, which must exist before the Certificate is applied. */
export interface CertificateIssuer {
  /** `Issuer` (in the cluster's namespace) or `ClusterIssuer`. */
  readonly kind: 'Issuer' | 'ClusterIssuer';
  /** Name of the issuer. */
  readonly name: string;
}

/** Options of certificates issued by cert-manager. */
export interface CertManagerCertificatesOptions {
  /**
   * The issuer that signs the node certificate. It must put its CA certificate in
   * the Secret under `ca.crt`, as a `CA` issuer does: clients and nodes verify with it.
   */
  readonly issuer: CertificateIssuer;
  /**
   * Requested lifetime (`spec.duration`), a Go duration in h, m, s; at least 1h.
   * @default '2160h' (90 days)
   */
  readonly duration?: string;
  /**
   * How long before expiry cert-manager renews (`spec.renewBefore`); at least 5m and
   * shorter than `duration`.
   * @default '720h' (30 days)
   */
  readonly renewBefore?: string;
  /** The Secret cert-manager writes (`spec.secretName`). @default '<name>-certs' */
  readonly secretName?: string;
  /** The cluster's DNS domain, for the fully qualified names of the Services. @default 'cluster.local' */
  readonly clusterDomain?: string;
}

/** What a cluster tells its certificates source: who it is and which names it serves. */
export interface ElasticsearchCertificatesContext {
  /** Base name of the cluster's objects. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the Certificate and of the Secret cert-manager writes. */
  readonly labels: Record<string, string>;
  /** The HTTP Service clients connect to. */
  readonly httpService: string;
  /** The headless Service that gives each pod a DNS name. */
  readonly transportService: string;
}

/** The certificates as a cluster uses them. */
export interface BoundElasticsearchCertificates {
  /** The Secret with `tls.crt`, `tls.key` and `ca.crt`. */
  readonly secretName: string;
  /** True when the user creates the Secret; false when cert-manager writes it. */
  readonly external: boolean;
  /** The issuer, when cert-manager issues the certificate. */
  readonly issuer?: CertificateIssuer;
}

/**
 * Where an Elasticsearch cluster's node certificate (HTTP and transport TLS) comes
 * from: a Secret the user provides, or a cert-manager `Certificate` the cluster emits.
 */
export abstract class ElasticsearchCertificates {
  /** A Secret with `tls.crt`, `tls.key` and `ca.crt` that the user creates. */
  public static fromSecret(secretName: string): ElasticsearchCertificates {
    return new SecretCertificates(secretName);
  }

  /** A `cert-manager.io/v1` `Certificate` for the cluster's Service names, signed by `options.issuer`. */
  public static certManager(options: CertManagerCertificatesOptions): ElasticsearchCertificates {
    return new CertManagerCertificates(options);
  }

  /** Validates the source and adds what it needs under `scope`; `prop` prefixes error messages. */
  public abstract bind(
    scope: IConstruct,
    prop: string,
    context: ElasticsearchCertificatesContext,
  ): BoundElasticsearchCertificates;
}

class SecretCertificates extends ElasticsearchCertificates {
  constructor(private readonly secretName: string) {
    super();
  }

  public bind(scope: IConstruct, prop: string): BoundElasticsearchCertificates {
    return { secretName: validateDnsLabel(scope, prop, this.secretName, 253), external: true };
  }
}

const ISSUER_KINDS = ['Issuer', 'ClusterIssuer'];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// What cert-manager accepts (Go's time.ParseDuration), limited to the units that make sense here.
const GO_DURATION = /^([0-9]+(h|m|s))+$/;
const SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

class CertManagerCertificates extends ElasticsearchCertificates {
  constructor(private readonly options: CertManagerCertificatesOptions) {
    super();
  }

  public bind(
    scope: IConstruct,
    prop: string,
    context: ElasticsearchCertificatesContext,
  ): BoundElasticsearchCertificates {
    const options = this.options;
    const issuer = options.issuer ?? ({} as CertificateIssuer);
    if (!ISSUER_KINDS.includes(issuer.kind)) {
      invalidProp(
        scope,
        `${prop}.issuer.kind`,
        issuer.kind,
        `must be one of ${ISSUER_KINDS.join(', ')}`,
        "use 'ClusterIssuer' for an issuer shared by namespaces, 'Issuer' for one in the cluster's namespace",
      );
    }
    if (
      typeof issuer.name !== 'string' ||
      issuer.name.length > 253 ||
      !DNS_SUBDOMAIN.test(issuer.name)
    ) {
      invalidProp(
        scope,
        `${prop}.issuer.name`,
        issuer.name,
        'must name an existing cert-manager issuer',
        "give the issuer's object name, such as 'internal-ca'",
      );
    }
    const duration = options.duration ?? '2160h';
    const renewBefore = options.renewBefore ?? '720h';
    const lifetime = durationSeconds(scope, `${prop}.duration`, duration, 3600, '1h');
    const renewal = durationSeconds(scope, `${prop}.renewBefore`, renewBefore, 300, '5m');
    if (renewal >= lifetime) {
      invalidProp(
        scope,
        `${prop}.renewBefore`,
        renewBefore,
        `must be shorter than the duration ${duration}`,
        'renew well before expiry, for example a third of the duration',
      );
    }
    const secretName = validateDnsLabel(
      scope,
      `${prop}.secretName`,
      options.secretName ?? `${context.name}-certs`,
      253,
    );
    const domain = options.clusterDomain ?? 'cluster.local';
    if (!DNS_SUBDOMAIN.test(domain)) {
      invalidProp(
        scope,
        `${prop}.clusterDomain`,
        domain,
        'must be a DNS domain',
        "use the cluster's domain, such as 'cluster.local'",
      );
    }

    new ApiObject(scope, 'certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: secretName, namespace: context.namespace, labels: context.labels },
      spec: {
        secretName,
        secretTemplate: { labels: context.labels },
        issuerRef: { group: 'cert-manager.io', kind: issuer.kind, name: issuer.name },
        dnsNames: certificateDnsNames(context, domain),
        duration,
        renewBefore,
        usages: [...ELASTICSEARCH_CERTIFICATE_USAGES],
        privateKey: {
          algorithm: 'RSA',
          size: 2048,
          // PEM `PRIVATE KEY`, read by Elasticsearch's `ssl.key`.
          encoding: 'PKCS8',
          // A renewal replaces the key too, so a leaked key expires with its certificate.
          rotationPolicy: 'Always',
        },
      },
    });
    return { secretName, external: false, issuer: { kind: issuer.kind, name: issuer.name } };
  }
}

/**
 * The names a node certificate covers: the HTTP Service in its four forms (clients
 * verify the host name) and, for node-to-node TLS, the headless Service and the pods
 * behind it (`<pod>.<headless service>...`).
 */
export function certificateDnsNames(
  context: ElasticsearchCertificatesContext,
  clusterDomain = 'cluster.local',
): string[] {
  const forms = (host: string) => [
    host,
    `${host}.${context.namespace}`,
    `${host}.${context.namespace}.svc`,
    `${host}.${context.namespace}.svc.${clusterDomain}`,
  ];
  return [
    ...forms(context.httpService),
    ...forms(context.transportService),
    ...forms(`*.${context.transportService}`),
  ];
}

function durationSeconds(
  scope: IConstruct,
  prop: string,
  value: string,
  minimum: number,
  minimumText: string,
): number {
  if (typeof value !== 'string' || !GO_DURATION.test(value)) {
    invalidProp(
      scope,
      prop,
      value,
      'is not a duration cert-manager reads',
      "use hours, minutes and seconds, such as '2160h' for 90 days",
    );
  }
  const seconds = [...value.matchAll(/([0-9]+)(h|m|s)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * SECONDS[unit],
    0,
  );
  if (seconds < minimum) {
    invalidProp(
      scope,
      prop,
      value,
      `is below cert-manager's minimum of ${minimumText}`,
      `use at least '${minimumText}'`,
    );
  }
  return seconds;
}
