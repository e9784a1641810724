import { AlertRunbook } from '../prometheus/alert-runbook';

const API_ERRORS_BY_RESOURCE: AlertRunbook['check'][number] = {
  text: 'See which requests fail: the 5xx rate per verb, resource and code. One resource points at its storage or an admission webhook; every resource points at the API server or etcd.',
  promql:
    'topk(10, sum by (verb, resource, code) (rate(apiserver_request_total{job="apiserver", code=~"5.."}[10m])))',
};

const API_SERVER_LOGS: AlertRunbook['check'][number] = {
  text: "Read the API server's log where you can (self-managed: its static pod; managed clusters: the provider's control-plane logs, such as EKS' CloudWatch log group):",
  shell:
    'kubectl -n kube-system logs -l component=kube-apiserver --tail=200 | grep -iE "error|timeout|etcd"',
};

const WEBHOOKS_FIX: AlertRunbook['fix'][number] = {
  text: 'A failing admission webhook (errors naming `failed calling webhook`): fix or scale its backend, or, if it is not essential, set its `failurePolicy: Ignore` until it is healthy. `kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations` lists them.',
};

export const API_SERVER_ERROR_BUDGET_BURN_FAST_RUNBOOK: AlertRunbook = {
  meaning: `The Kubernetes API server answers so many requests of one class (\`verb_class\`: read or write) with 5xx that its monthly error budget will be gone within days, over both a long and a short window (\`verb_class:apiserver_request_errors:ratio_rate<window>\`, from \`apiserver_request_total\`). Controllers, deployments and kubectl fail now; it pages because everything that changes the cluster depends on the API.`,
  check: [
    API_ERRORS_BY_RESOURCE,
    {
      text: 'Compare the recorded error ratio over the windows: a rising short window is an ongoing incident, a falling one a recovery.',
      promql:
        'verb_class:apiserver_request_errors:ratio_rate5m or verb_class:apiserver_request_errors:ratio_rate1h',
    },
    API_SERVER_LOGS,
  ],
  fix: [
    WEBHOOKS_FIX,
    {
      text: 'etcd errors or timeouts in the log: see the etcd alerts and dashboard (self-managed), or open a case with the provider (managed).',
    },
    {
      text: 'An overloaded API server (see `ApiServerTerminatedRequests`): find the client that floods it and throttle or fix it.',
      promql:
        'topk(10, sum by (resource, verb) (rate(apiserver_request_total{job="apiserver"}[5m])))',
    },
  ],
};

export const API_SERVER_ERROR_BUDGET_BURN_SLOW_RUNBOOK: AlertRunbook = {
  meaning: `The API server's share of 5xx answers for one class of requests (\`verb_class\`) has stayed high enough, over a day or three, to spend its monthly error budget before the month ends. Nothing may look broken, but some requests keep failing: retries hide them until a bad hour uses the rest of the budget.`,
  check: [
    API_ERRORS_BY_RESOURCE,
    {
      text: 'The availability over 30 days, per class, against the objective:',
      promql: 'verb_class:apiserver_request_availability:ratio_30d',
    },
  ],
  fix: [
    WEBHOOKS_FIX,
    {
      text: 'A resource whose requests time out (504) or fail on storage: look at its size (`kubectl get <resource> -A | wc -l`) and at the clients listing it without a resourceVersion or pagination.',
    },
  ],
};

export const API_SERVER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has not scraped any API server endpoint (\`up{job="apiserver"}\`, the Service \`default/kubernetes\`) for minutes. Either the API server is down (nothing can change in the cluster, controllers stop) or only this scrape fails (network policy, RBAC, certificate): tell them apart first.`,
  check: [
    {
      text: 'Does the API answer you?',
      shell: 'kubectl get --raw /readyz?verbose | tail -5',
    },
    {
      text: "If it does, see why the scrape fails: the target's last error in Prometheus (Status > Targets, job `apiserver`), or:",
      promql: 'up{job="apiserver"}',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- http://localhost:9090/api/v1/targets?scrapePool=apiserver | grep -o \'"lastError":"[^"]*"\'',
    },
  ],
  fix: [
    {
      text: "`403`: Prometheus' ClusterRole lacks `get` on the non-resource URL `/metrics`; apply the stack's manifests again. A timeout: the NetworkPolicy egress to the API server (`networkPolicies.kubernetesApiCidr` and `kubernetesApiPorts`) does not cover its endpoint addresses (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`).",
    },
    {
      text: 'The API server itself is down: on a self-managed cluster, check its static pod on each control-plane node (`crictl ps -a | grep kube-apiserver` and its log) and etcd; on a managed cluster, the provider status page and a support case.',
    },
  ],
};

export const API_SERVER_TERMINATED_REQUESTS_RUNBOOK: AlertRunbook = {
  meaning: `The API server terminates a large share of its requests (\`apiserver_request_terminations_total\`): API Priority and Fairness rejects them (429) or they time out. Clients retry and slow down; controllers fall behind.`,
  check: [
    {
      text: 'Which requests are terminated, and with which code:',
      promql:
        'topk(10, sum by (verb, resource, code) (rate(apiserver_request_terminations_total{job="apiserver"}[10m])))',
    },
    {
      text: 'Which priority levels reject requests, and who sends the most:',
      promql:
        'sum by (priority_level, flow_schema) (rate(apiserver_flowcontrol_rejected_requests_total[10m]))',
      shell: 'kubectl get --raw /debug/api_priority_and_fairness/dump_priority_levels',
    },
  ],
  fix: [
    {
      text: 'Find the flooding client (its user agent in the audit log, or `apiserver_request_total` by resource) and fix it: a controller in a hot loop, a CI job listing everything, a tool without a watch.',
    },
    {
      text: "If the load is legitimate, give the control plane more capacity (self-managed: more CPU and memory for the API server and etcd; managed: the provider's larger tier).",
    },
  ],
};

export const API_SERVER_LATENCY_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `The 99th percentile of some API server requests (per verb, resource and scope, \`verb_resource_scope:apiserver_request_duration_seconds:p99_rate5m\`) is past Kubernetes' latency objectives. Deployments, scaling and kubectl are slow; webhooks and controllers may time out.`,
  check: [
    {
      text: 'The slowest requests now:',
      promql: 'topk(10, verb_resource_scope:apiserver_request_duration_seconds:p99_rate5m)',
    },
    {
      text: 'Slow admission webhooks add to every write they intercept:',
      promql:
        'histogram_quantile(0.99, sum by (name, le) (rate(apiserver_admission_webhook_admission_duration_seconds_bucket[5m])))',
    },
  ],
  fix: [
    WEBHOOKS_FIX,
    {
      text: 'Slow on every resource: etcd is slow (disk latency, see `EtcdFsyncDurationHigh` where etcd is scraped) or the API server lacks CPU. Slow LISTs of one resource: too many objects; clean them up or make the clients page their lists.',
    },
  ],
};

const CLIENT_CERT_CHECK: AlertRunbook['check'] = [
  {
    text: 'See how soon: the shortest remaining lifetime among the client certificates presented lately.',
    promql:
      'histogram_quantile(0.01, sum by (le) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[1h])))',
  },
  {
    text: 'Find the certificates on the nodes (self-managed, kubeadm): the control-plane and kubelet client certificates.',
    shell:
      'kubeadm certs check-expiration\nopenssl x509 -noout -enddate -in /var/lib/kubelet/pki/kubelet-client-current.pem',
  },
];

const CLIENT_CERT_FIX: AlertRunbook['fix'] = [
  {
    text: 'kubeadm: `kubeadm certs renew all` on each control-plane node, then restart the static pods (move their manifests out of `/etc/kubernetes/manifests` and back). Kubelets rotate their own client certificate when `rotateCertificates` is on; approve pending CSRs with `kubectl get csr` and `kubectl certificate approve <name>`.',
  },
  {
    text: 'Another client (a kubeconfig with an embedded certificate, a CI system): issue it a new certificate, or move it to a service account token.',
  },
];

export const API_SERVER_CLIENT_CERTIFICATE_EXPIRING_RUNBOOK: AlertRunbook = {
  meaning: `Some clients authenticate to the API server with a client certificate that expires within days (\`apiserver_client_certificate_expiration_seconds\`). When it does, the API server refuses them: for a kubelet, its node goes NotReady; for a control-plane component, it stops working. There is time to renew.`,
  check: CLIENT_CERT_CHECK,
  fix: CLIENT_CERT_FIX,
};

export const API_SERVER_CLIENT_CERTIFICATE_EXPIRING_CRITICAL_RUNBOOK: AlertRunbook = {
  meaning: `A client certificate presented to the API server expires within a day (\`apiserver_client_certificate_expiration_seconds\`). Its clients will be refused: nodes going NotReady or control-plane components stopping. It pages because renewing takes a person now.`,
  check: CLIENT_CERT_CHECK,
  fix: CLIENT_CERT_FIX,
};

const APISERVICE_CHECK: AlertRunbook['check'] = [
  {
    text: 'See the APIService and why it is unavailable (the `Available` condition names the reason, such as `FailedDiscoveryCheck` or `MissingEndpoints`):',
    shell:
      'kubectl get apiservices | grep -v Local\nkubectl get apiservice <name> -o jsonpath=\'{.status.conditions[?(@.type=="Available")]}\'',
  },
  {
    text: 'Check the Service and pods behind it (for `v1beta1.metrics.k8s.io`, metrics-server in kube-system):',
    shell:
      "kubectl get apiservice <name> -o jsonpath='{.spec.service.namespace}/{.spec.service.name}'\nkubectl -n <namespace> get endpointslices -l kubernetes.io/service-name=<service>",
  },
];

export const AGGREGATED_API_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `The API server keeps marking an aggregated API (an APIService served by pods, such as metrics-server's \`v1beta1.metrics.k8s.io\`) unavailable (\`aggregator_unavailable_apiservice_total\`). Requests to it fail on and off; namespace deletion can hang on its discovery.`,
  check: APISERVICE_CHECK,
  fix: [
    {
      text: 'Its pods restart or fail their probes: read their logs and events and fix the cause. A NetworkPolicy or firewall between the control plane and those pods makes the API server time out reaching them: allow it.',
    },
  ],
};

export const AGGREGATED_API_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `An aggregated API has been unavailable for minutes (\`aggregator_unavailable_apiservice\`): every request to it fails. For metrics.k8s.io, \`kubectl top\` and HorizontalPodAutoscalers stop working; an unavailable API also blocks namespace deletion.`,
  check: APISERVICE_CHECK,
  fix: [
    {
      text: 'Bring its backend back (scale up, fix the crash). If the APIService is left over from something uninstalled, delete it: `kubectl delete apiservice <name>`.',
    },
  ],
};

export const KUBE_CLIENT_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `A program that talks to the Kubernetes API (client-go's \`rest_client_requests_total\`: the kubelet, control-plane components, operators, the stack's own clients) gets 5xx answers or cannot send its requests. It works on stale data: discovery, scheduling or reconciliation falls behind.`,
  check: [
    {
      text: 'Which codes and which API host:',
      promql:
        'sum by (job, instance, code, host) (rate(rest_client_requests_total{code=~"5..|<error>"}[5m]))',
    },
    {
      text: 'If every client fails, the API server is the problem (see the API server alerts); if one does, read its log for the failing requests.',
      shell:
        'kubectl -n <namespace> logs <pod> --since=30m | grep -iE "error|timeout|refused" | tail -20',
    },
  ],
  fix: [
    {
      text: '`<error>` only (requests not sent): a network path to the API server is blocked (a NetworkPolicy egress, a proxy) or DNS for its host fails; fix the path.',
    },
    {
      text: '5xx for one client: it asks for something that fails server-side (a huge LIST, an aggregated API that is down); see `AggregatedApiDown` and the API server dashboard.',
    },
  ],
};

const COREDNS_PODS: AlertRunbook['check'][number] = {
  text: 'See the CoreDNS pods and their recent log:',
  shell:
    'kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide\nkubectl -n kube-system logs -l k8s-app=kube-dns --tail=100',
};

const DNS_FROM_A_POD: AlertRunbook['check'][number] = {
  text: 'Resolve a name from a throwaway pod, inside and outside the cluster:',
  shell:
    'kubectl run dns-check --rm -it --restart=Never --image=busybox:1.36 -- sh -c "nslookup kubernetes.default; nslookup example.com"',
};

export const COREDNS_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has scraped no CoreDNS pod (\`up{job="coredns"}\`: pods labelled \`k8s-app=kube-dns\` in kube-system, port 9153) for minutes. If CoreDNS is really down, no pod resolves Service names: nearly every request between services fails. It pages for that reason; rule out a broken scrape first.`,
  check: [COREDNS_PODS, DNS_FROM_A_POD],
  fix: [
    {
      text: "Names resolve: only the scrape fails. The pods may not listen on 9153 (the `prometheus :9153` line of the Corefile), a NetworkPolicy in kube-system may refuse Prometheus, or the cluster DNS is not CoreDNS at all (GKE's kube-dns, Cloud DNS): then turn this part off with `controlPlane: { coredns: false }`.",
      shell: 'kubectl -n kube-system get configmap coredns -o yaml | grep prometheus',
    },
    {
      text: 'Pods crash: a Corefile error shows at the top of the log; revert the last change of the `coredns` ConfigMap. Pods Pending: they need nodes that admit them (taints, resources).',
    },
  ],
};

export const COREDNS_LATENCY_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `CoreDNS answers slowly at the 99th percentile (\`coredns_dns_request_duration_seconds\`). Every connection to a Service name waits for it; clients with short timeouts retry or fail.`,
  check: [
    {
      text: 'Is it the forwarding to upstreams (names outside the cluster) or CoreDNS itself?',
      promql:
        'to:coredns_forward_request_duration_seconds:p99_rate5m or job:coredns_dns_request_duration_seconds:p99_rate5m',
    },
    {
      text: 'Are the pods short of CPU (throttled)?',
      promql:
        'sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{namespace="kube-system", container="coredns"}[5m])) / sum by (pod) (rate(container_cpu_cfs_periods_total{namespace="kube-system", container="coredns"}[5m]))',
    },
  ],
  fix: [
    {
      text: 'Slow upstreams: see `CoreDnsForwardLatencyHigh`. CPU-starved pods: raise their CPU or add replicas (or NodeLocal DNSCache).',
      shell: 'kubectl -n kube-system scale deployment coredns --replicas=<n>',
    },
    {
      text: 'Many lookups of names that do not exist (the search path with `ndots:5`): use fully qualified names with a trailing dot in clients that resolve external names often.',
    },
  ],
};

export const COREDNS_ERRORS_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `A large share of CoreDNS' answers are SERVFAIL (\`coredns_dns_responses_total{rcode="SERVFAIL"}\`): it could not resolve the names. Clients see lookups fail, and the services behind those names are unreachable to them.`,
  check: [
    {
      text: 'Which zone fails, and whether the upstreams fail too:',
      promql:
        'sum by (zone, rcode) (rate(coredns_dns_responses_total{job="coredns"}[5m])) or to:coredns_forward_responses_servfail:ratio_rate5m',
    },
    COREDNS_PODS,
  ],
  fix: [
    {
      text: 'The cluster zone fails: CoreDNS cannot read the API (its log shows `kubernetes` plugin errors); check its RBAC and the API server. External zones fail: see `CoreDnsForwardErrorsHigh`.',
    },
    {
      text: 'A stub domain or forward in the Corefile points at a resolver that refuses: fix the `coredns` ConfigMap and let CoreDNS reload it.',
    },
  ],
};

export const COREDNS_PANICS_RUNBOOK: AlertRunbook = {
  meaning: `CoreDNS recovered from panics (\`coredns_panics_total\`): a plugin crashed while answering. The queries it was answering failed; repeated panics point at a bug or a bad Corefile.`,
  check: [
    {
      text: 'The panic and its stack trace are in the log:',
      shell: 'kubectl -n kube-system logs <pod> --since=30m | grep -A20 -i panic',
    },
  ],
  fix: [
    {
      text: 'Revert the last Corefile change, or upgrade CoreDNS to a release that fixes the panic in the plugin the trace names.',
    },
  ],
};

const UPSTREAMS_CHECK: AlertRunbook['check'] = [
  {
    text: "Which upstreams CoreDNS forwards to (the `forward` lines of the Corefile; often the node's `/etc/resolv.conf`):",
    shell:
      "kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}' | grep -A3 forward",
  },
  {
    text: 'Their latency and SERVFAIL ratio per upstream:',
    promql:
      'to:coredns_forward_request_duration_seconds:p99_rate5m or to:coredns_forward_responses_servfail:ratio_rate5m',
  },
];

export const COREDNS_FORWARD_LATENCY_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `An upstream resolver CoreDNS forwards to answers slowly (\`coredns_forward_request_duration_seconds\`). Lookups of names outside the cluster are slow for every pod.`,
  check: UPSTREAMS_CHECK,
  fix: [
    {
      text: "The upstream is the provider's resolver or your own: check its health, or forward to a closer or faster one in the Corefile. Raising CoreDNS' `cache` TTL cuts repeated lookups.",
    },
  ],
};

export const COREDNS_FORWARD_ERRORS_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `An upstream resolver CoreDNS forwards to answers SERVFAIL often (\`coredns_forward_responses_total{rcode="SERVFAIL"}\`). External names fail to resolve for the pods.`,
  check: UPSTREAMS_CHECK,
  fix: [
    {
      text: "Ask the upstream directly from a node: `dig @<upstream> example.com`. If it fails there too, fix or replace the upstream; if it fails for one domain only, that domain's own servers fail (nothing to fix here).",
    },
  ],
};

export const COREDNS_FORWARD_UPSTREAMS_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Every upstream of a CoreDNS pod failed its health checks (\`coredns_forward_healthcheck_broken_total\`): CoreDNS reaches none of its resolvers. Names outside the cluster (cloud APIs, package registries, SaaS endpoints) do not resolve; it pages because that breaks most workloads now.`,
  check: [
    ...UPSTREAMS_CHECK,
    {
      text: 'Can the CoreDNS pods reach the upstream (a NetworkPolicy or firewall on UDP/TCP 53)?',
      shell: 'kubectl -n kube-system logs <pod> --since=15m | grep -iE "unreachable|timeout|i/o"',
    },
  ],
  fix: [
    {
      text: 'Restore the path to the upstream (a changed egress rule, a VPC resolver setting), or forward to another resolver in the Corefile until it is back.',
    },
  ],
};

const ETCD_HEALTH: AlertRunbook['check'][number] = {
  text: "Ask etcd on a control-plane node (kubeadm's paths):",
  shell:
    'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint status --cluster -w table',
};

const ETCD_DISK: AlertRunbook['check'][number] = {
  text: 'The disk latency of each member (fsync of its log, commit of its database):',
  promql:
    'instance:etcd_disk_wal_fsync_duration_seconds:p99_rate5m or instance:etcd_disk_backend_commit_duration_seconds:p99_rate5m',
};

const ETCD_DISK_FIX: AlertRunbook['fix'][number] = {
  text: "Give etcd a dedicated low-latency disk (SSD, provisioned IOPS); move other I/O (logs, images, backups) off it. A noisy neighbour on a shared volume shows as spikes on every member's node at once.",
};

export const ETCD_MEMBERS_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus cannot scrape some etcd members (\`up{job="etcd"}\`). A member that is really down leaves the cluster with less tolerance for failure: with 3 members, one more loss stops etcd, and with it the API.`,
  check: [
    ETCD_HEALTH,
    {
      text: 'The pods, and the scrape error (a certificate problem shows as a TLS error, not as a down member):',
      shell: 'kubectl -n kube-system get pods -l component=etcd -o wide',
    },
  ],
  fix: [
    {
      text: "A stopped member: check its static pod (`crictl ps -a | grep etcd` and its log) and its disk (full, read-only). A member whose data is lost: remove it (`etcdctl member remove`) and add it back empty (`etcdctl member add`), following your distribution's procedure.",
    },
    {
      text: 'Only the scrape fails with a TLS error: the client certificate in the Secret is expired or signed by another CA; replace it.',
    },
  ],
};

export const ETCD_NO_LEADER_RUNBOOK: AlertRunbook = {
  meaning: `An etcd member has no leader (\`etcd_server_has_leader == 0\`): it cannot serve writes or consistent reads. If it is the majority, the Kubernetes API fails for every change. It pages.`,
  check: [
    ETCD_HEALTH,
    {
      text: 'Members that see no leader, and peer failures (network partitions between control-plane nodes):',
      promql:
        'etcd_server_has_leader{job="etcd"} or sum by (instance) (rate(etcd_network_peer_sent_failures_total{job="etcd"}[5m]))',
    },
  ],
  fix: [
    {
      text: "Restore the network between the control-plane nodes (peer port 2380) or restart the members that lost it. Without a majority of members, restore from a snapshot (`etcdctl snapshot restore`) following your distribution's disaster-recovery procedure.",
    },
  ],
};

export const ETCD_FREQUENT_LEADER_CHANGES_RUNBOOK: AlertRunbook = {
  meaning: `etcd elects new leaders often (\`etcd_server_leader_changes_seen_total\`). Each election stalls writes for a moment; frequent ones make the API slow and flaky. The usual cause is slow disks or a congested network between members.`,
  check: [ETCD_DISK, ETCD_HEALTH],
  fix: [
    ETCD_DISK_FIX,
    {
      text: 'Network: check packet loss and latency between control-plane nodes on port 2380; keep members in one region.',
    },
  ],
};

export const ETCD_GRPC_REQUESTS_FAILING_RUNBOOK: AlertRunbook = {
  meaning: `A share of etcd's gRPC requests fail with server-side codes (\`grpc_server_handled_total\`: Unavailable, DeadlineExceeded, Internal, ...). The API server sees those as errors and timeouts.`,
  check: [
    {
      text: 'Which methods and codes:',
      promql:
        'sum by (instance, grpc_method, grpc_code) (rate(grpc_server_handled_total{job="etcd", grpc_code!="OK"}[5m]))',
    },
    ETCD_HEALTH,
  ],
  fix: [
    {
      text: 'Unavailable or DeadlineExceeded with leader changes: see `EtcdFrequentLeaderChanges` and the disk latency. ResourceExhausted: the database is full (see `EtcdDatabaseQuotaLow`).',
    },
  ],
};

export const ETCD_GRPC_REQUESTS_SLOW_RUNBOOK: AlertRunbook = {
  meaning: `etcd's unary gRPC requests are slow at the 99th percentile (\`grpc_server_handling_seconds\`, which etcd exports with \`--metrics=extensive\`). Every API request that touches storage waits for them.`,
  check: [ETCD_DISK, ETCD_HEALTH],
  fix: [
    ETCD_DISK_FIX,
    {
      text: 'A large database or many objects of one kind make ranges slow: defragment (`etcdctl defrag`, one member at a time) and clean up what floods it (old Events, leftover custom resources).',
    },
  ],
};

export const ETCD_FSYNC_DURATION_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `etcd's fsyncs of its write-ahead log are slow (\`etcd_disk_wal_fsync_duration_seconds\`). Every write waits for them; slow fsyncs cause missed heartbeats, leader elections and API timeouts.`,
  check: [
    ETCD_DISK,
    {
      text: "The disk's own latency on the node:",
      promql:
        'rate(node_disk_write_time_seconds_total[5m]) / rate(node_disk_writes_completed_total[5m])',
    },
  ],
  fix: [ETCD_DISK_FIX],
};

export const ETCD_COMMIT_DURATION_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `etcd's commits to its database are slow (\`etcd_disk_backend_commit_duration_seconds\`). Writes back up behind them and the API slows down.`,
  check: [ETCD_DISK],
  fix: [
    ETCD_DISK_FIX,
    {
      text: 'A fragmented database commits slowly too: defragment one member at a time (`etcdctl defrag --endpoints=<member>`).',
    },
  ],
};

export const ETCD_DATABASE_QUOTA_LOW_RUNBOOK: AlertRunbook = {
  meaning: `etcd's database is close to its size quota (\`etcd_mvcc_db_total_size_in_bytes\` against \`etcd_server_quota_backend_bytes\`). When it reaches it, etcd raises the NOSPACE alarm and refuses every write: the Kubernetes API can no longer change anything.`,
  check: [
    {
      text: 'Size in use against the allocated size: a big gap means defragmenting frees space.',
      promql:
        'etcd_mvcc_db_total_size_in_use_in_bytes{job="etcd"} / etcd_mvcc_db_total_size_in_bytes{job="etcd"}',
    },
    ETCD_HEALTH,
  ],
  fix: [
    {
      text: 'Compact and defragment (the API server compacts every few minutes; defragment one member at a time), then clear an alarm already raised with `etcdctl alarm disarm`.',
      shell: 'etcdctl defrag --endpoints=<member>\netcdctl alarm list',
    },
    {
      text: 'Find what fills it (`etcdctl get / --prefix --keys-only | cut -d/ -f3 | sort | uniq -c | sort -rn | head`) and clean it up; if the data is legitimate, raise `--quota-backend-bytes`.',
    },
  ],
};

const CONTROL_PLANE_POD_CHECK = (component: string): AlertRunbook['check'] => [
  {
    text: 'See the static pods and their log:',
    shell: `kubectl -n kube-system get pods -l component=${component} -o wide\nkubectl -n kube-system logs -l component=${component} --tail=100`,
  },
  {
    text: 'If they run, the scrape fails: the component must listen on an address Prometheus reaches (kubeadm binds it to 127.0.0.1; set `--bind-address=0.0.0.0` or the node IP) and allow the token (`--authorization-always-allow-paths` or RBAC).',
    promql: `up{job="${component}"}`,
  },
];

export const KUBE_SCHEDULER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has scraped no kube-scheduler for minutes (\`up{job="kube-scheduler"}\`). If none runs, new pods stay Pending: rollouts, scaling and rescheduling after node failures stop. Running pods are not affected.`,
  check: CONTROL_PLANE_POD_CHECK('kube-scheduler'),
  fix: [
    {
      text: 'On the control-plane nodes, check its static pod manifest (`/etc/kubernetes/manifests/kube-scheduler.yaml`), its kubeconfig and certificates, and the container runtime (`crictl ps -a | grep kube-scheduler`).',
    },
  ],
};

export const KUBE_CONTROLLER_MANAGER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has scraped no kube-controller-manager for minutes (\`up{job="kube-controller-manager"}\`). If none runs, nothing is reconciled: Deployments do not roll out, Jobs do not start pods, dead nodes' pods are not evicted. Running pods are not affected.`,
  check: CONTROL_PLANE_POD_CHECK('kube-controller-manager'),
  fix: [
    {
      text: 'On the control-plane nodes, check its static pod manifest (`/etc/kubernetes/manifests/kube-controller-manager.yaml`), its kubeconfig and certificates, and the container runtime (`crictl ps -a | grep kube-controller-manager`).',
    },
  ],
};
