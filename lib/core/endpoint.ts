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
  ) {}

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
