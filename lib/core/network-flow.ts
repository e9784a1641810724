/**
 * Who talks to whom, declared once where a construct takes another (`this.connectTo(...)`):
 * the stack renders both the client's egress and the server's ingress NetworkPolicy from it.
 */

/** A port a flow uses. */
export interface FlowPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Parties outside the stack's pods; the stack's `NetworkPolicyOptions` say where they are. */
export enum ExternalPeer {
  /** The Kubernetes API server (control-plane IPs, not selectable by labels). */
  KUBERNETES_API = 'kubernetes-api',
  /** The nodes' own IPs: kubelet and hostNetwork pods such as node-exporter. */
  NODES = 'nodes',
  /** Where Alertmanager sends notifications (Slack, PagerDuty, SMTP), outside the cluster. */
  ALERT_RECEIVERS = 'alert-receivers',
  /** SQL databases outside the stack (Grafana's `database`). */
  DATABASES = 'databases',
  /** Users' browsers, through the ingress controller. */
  UI_CLIENTS = 'ui-clients',
  /** The OpenID Connect provider the UI sign-in proxies talk to, usually outside the cluster. */
  IDENTITY_PROVIDER = 'identity-provider',
  /** Application pods in other namespaces: they send spans and get scraped. */
  APPLICATIONS = 'applications',
}

/** One side of a flow: pods of this stack (which get rules), or an external party (which does not). */
export type FlowPeer =
  | { readonly kind: 'pods'; readonly name: string; readonly namespace: string; readonly podSelector: Record<string, string> }
  | { readonly kind: 'namespace'; readonly name: string; readonly namespace: string }
  | { readonly kind: 'external'; readonly name: string; readonly peer: ExternalPeer };

/** Builds {@link FlowPeer}s. */
export class NetworkPeer {
  /**
   * Pods of this stack in `namespace` matching `podSelector` (standard labels); their
   * policy is named after the selector's instance and component.
   */
  public static pods(namespace: string, podSelector: Record<string, string>): FlowPeer {
    const name = ['app.kubernetes.io/instance', 'app.kubernetes.io/component']
      .map((label) => podSelector[label]).filter((v) => v !== undefined).join('-');
    return { kind: 'pods', name, namespace, podSelector };
  }

  /** Every pod of a namespace whose pods we do not know (a Service we did not render). */
  public static namespace(namespace: string): FlowPeer {
    return { kind: 'namespace', name: namespace, namespace };
  }

  /** A party outside the stack's pods. */
  public static external(peer: ExternalPeer): FlowPeer {
    return { kind: 'external', name: peer, peer };
  }
}

/** Where a client connects: the server's pods and the ports they listen on. */
export interface NetworkTarget {
  readonly peer: FlowPeer;
  /** Ports on the server's pods. @default - every port */
  readonly ports?: FlowPort[];
}

/** Traffic `from` opens to `to`, on `ports`. */
export interface NetworkFlow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  /** Ports on the `to` side. @default - every port */
  readonly ports?: FlowPort[];
  /** Why it exists, shown in the README table. */
  readonly purpose: string;
}
