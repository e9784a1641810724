import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { ServiceEndpoint } from '../core/endpoint';
import { ObservabilityStack, ObservabilityStackProps, StackSecret } from '../stack';
import { deploymentOrder, KubernetesObject } from './deployment-order';
import { kubernetesResource } from './kubernetes-resource';

/** Every key optional at every depth of plain objects, as the overrides are merged; arrays are replaced whole. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Props that change an environment profile, merged key by key; `environment` stays the profile's. */
export type ObservabilityStackOverrides = DeepPartial<Omit<ObservabilityStackProps, 'environment'>>;

/** A named environment profile, with some of its props changed. */
export interface EnvironmentStackArgs {
  /** Name of the profile, e.g. `prod`. */
  readonly environment: string;
  /**
   * The profile of an environment name; throws for an unknown name. Profiles are the
   * caller's (this repo's are `environmentProfile` in `stacks/environments.ts`).
   */
  readonly profiles: (environment: string) => ObservabilityStackProps;
  /**
   * Props that replace the profile's. Plain objects merge key by key, so
   * `{ kibana: { publicBaseUrl } }` keeps the profile's Kibana replicas; any other value
   * (array, class instance, enum, number, string) replaces.
   * @default - the profile unchanged
   */
  readonly overrides?: ObservabilityStackOverrides;
}

/** What {@link ObservabilityStackResource} deploys: full stack props, or a named profile with overrides. */
export type ObservabilityStackArgs = ObservabilityStackProps | EnvironmentStackArgs;

/** In-cluster URLs (`scheme://service.namespace.svc:port`) of the stack's HTTP APIs and UIs. */
export interface StackEndpoints {
  readonly elasticsearch: string;
  readonly kibana: string;
  readonly grafana: string;
  readonly jaegerQuery: string;
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** Public URLs of the UIs, for those the props give one (`publicBaseUrl`, Grafana's `rootUrl`). */
export interface StackUiUrls {
  readonly kibana?: string;
  readonly grafana?: string;
  readonly jaeger?: string;
  readonly prometheus?: string;
  readonly alertmanager?: string;
}

/**
 * The observability stack as a Pulumi component: the `ObservabilityStack` cdk8s chart,
 * synthesized in memory, with every object a child resource named
 * `<kind>/<namespace>/<name>` and created in the order of `DEPLOYMENT_ORDER`.
 * A Kubernetes provider given as the `provider` (or in `providers`) option reaches
 * every child. Child names are the objects' own, so two components in one Pulumi stack
 * need different namespaces.
 */
export class ObservabilityStackResource extends pulumi.ComponentResource {
  /** The synthesized chart: every component, with its resolved settings. */
  public readonly stack: ObservabilityStack;
  /** The objects, in creation order; the same set `cdk8s synth` writes. */
  public readonly manifests: readonly KubernetesObject[];
  /** The child resource of each object, by logical name (`deployment/observability/kibana`). */
  public readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  /** In-cluster URLs; each resolves once its Service is created. */
  public readonly endpoints: pulumi.Output<StackEndpoints>;
  /** Public URLs of the UIs, where set. */
  public readonly uiUrls: pulumi.Output<StackUiUrls>;
  /** The Secrets to create before the pods can start: name, namespace, keys, purpose. */
  public readonly externalSecrets: pulumi.Output<StackSecret[]>;

  constructor(
    name: string,
    args: ObservabilityStackArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('observability:index:ObservabilityStack', name, {}, opts);
    const props =
      'profiles' in args ? withOverrides(args.profiles(args.environment), args.overrides) : args;
    this.stack = new ObservabilityStack(new App(), 'observability', props);
    const ordered = deploymentOrder(this.stack.toJson() as KubernetesObject[]);

    const resources: Record<string, pulumi.CustomResource> = {};
    for (const { key, object, dependsOn } of ordered) {
      resources[key] = kubernetesResource(key, object, {
        parent: this,
        dependsOn: dependsOn.map((k) => resources[k]),
      });
    }
    this.resources = resources;
    this.manifests = ordered.map((o) => o.object);

    const { elasticsearch, kibana, grafana, jaeger, prometheus, alertmanager } = this.stack;
    this.endpoints = pulumi.output({
      elasticsearch: this.urlOnceServed(elasticsearch.endpoint),
      kibana: this.urlOnceServed(kibana.endpoint),
      grafana: this.urlOnceServed(grafana.endpoint),
      jaegerQuery: this.urlOnceServed(jaeger.queryEndpoint),
      prometheus: this.urlOnceServed(prometheus.endpoint),
      alertmanager: this.urlOnceServed(alertmanager.endpoint),
    });
    // Grafana keeps `rootUrl` private, so it is read from the props it came from.
    // `access` sets the UIs' URLs where the props do not (the stack refuses two different ones).
    const exposed = Object.fromEntries(
      (this.stack.access?.exposed ?? []).map((e) => [e.ui, e.url]),
    );
    const uiUrls = {
      kibana: kibana.publicBaseUrl,
      grafana: props.grafana?.rootUrl ?? exposed.grafana,
      jaeger: jaeger.publicBaseUrl,
      prometheus: props.prometheus?.externalUrl ?? exposed.prometheus,
      alertmanager: props.alertmanager?.externalUrl ?? exposed.alertmanager,
    };
    this.uiUrls = pulumi.output(
      Object.fromEntries(Object.entries(uiUrls).filter(([, url]) => url !== undefined)),
    );
    this.externalSecrets = pulumi.output(this.stack.externalSecrets);
    this.registerOutputs({
      endpoints: this.endpoints,
      uiUrls: this.uiUrls,
      externalSecrets: this.externalSecrets,
    });
  }

  /** The endpoint's URL, carrying a dependency on its Service, so a consumer waits for it. */
  private urlOnceServed(endpoint: ServiceEndpoint): pulumi.Output<string> {
    const service = this.resources[`service/${endpoint.namespace}/${endpoint.serviceName}`];
    if (!service)
      throw new Error(
        `no Service ${endpoint.namespace}/${endpoint.serviceName} behind ${endpoint.url}`,
      );
    return service.urn.apply(() => endpoint.url);
  }
}

/** The profile with the overrides applied: plain objects merged key by key, anything else replaced. */
function withOverrides(
  profile: ObservabilityStackProps,
  overrides: ObservabilityStackOverrides = {},
): ObservabilityStackProps {
  return merge(profile, overrides) as ObservabilityStackProps;
}

function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = merge(base[key], value);
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}
