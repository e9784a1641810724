import { NetworkPeer, NetworkTarget } from './network-flow';

/**
 * How to reach a Service from inside the cluster. Constructs expose these so
 * consumers are wired by object, never by hand-written URLs.
 */
export class ServiceEndpoint {
  constructor(
    /** Name of the Service. */
    public readonly serviceName: string,
    /** Namespace of the Service. */
    public readonly namespace: string,
    /** Port number on the Service. */
    public readonly port: number,
    /** `http` or `https` for HTTP endpoints; `tcp` or `grpc` for others. */
    public readonly scheme: 'http' | 'https' | 'tcp' | 'grpc' = 'http',
    /** Labels of the pods behind the Service, when this package renders them. */
    public readonly podSelector?: Record<string, string>,
  ) {}

  /**
   * The pods a client of this endpoint reaches, for network policies. The Services of
   * this package expose each container port under its own number, so `port` is also
   * the pods' port. Without a pod selector: every pod of the Service's namespace.
   */
  public get target(): NetworkTarget {
    const peer = this.podSelector
      ? NetworkPeer.pods(this.namespace, this.podSelector)
      : NetworkPeer.namespace(this.namespace);
    return { peer, ports: [{ port: this.port }] };
  }

  /** The namespace-qualified DNS name, `name.namespace.svc`. */
  public get host(): string {
    return `${this.serviceName}.${this.namespace}.svc`;
  }

  /** `host:port`. */
  public get hostPort(): string {
    return `${this.host}:${this.port}`;
  }

  /** `scheme://host:port`. */
  public get url(): string {
    return `${this.scheme}://${this.hostPort}`;
  }
}
