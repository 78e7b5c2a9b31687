{{/*
Names. Every object is called <fullname>-<component>: the release name, or <release>-spillway when the release name
does not already say spillway.
*/}}
{{- define "spillway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "spillway" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-spillway" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "spillway.node.name" -}}{{ include "spillway.fullname" . }}-node{{- end -}}
{{- define "spillway.router.name" -}}{{ include "spillway.fullname" . }}-router{{- end -}}
{{- define "spillway.vllm.name" -}}{{ include "spillway.fullname" . }}-vllm{{- end -}}
{{- define "spillway.pool.name" -}}{{ .Values.inferencePool.name | default (include "spillway.fullname" .) }}{{- end -}}

{{- define "spillway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: spillway
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: spillway
{{- end -}}

{{/* The labels that select one component's pods (stable across upgrades: selectors are immutable). */}}
{{- define "spillway.selector" -}}
app.kubernetes.io/name: spillway
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The label a client pod (one running the agent) carries to reach the nodes' data and control ports. */}}
{{- define "spillway.clientLabel" -}}
spillway.io/client: {{ include "spillway.fullname" . | quote }}
{{- end -}}

{{/* The labels the InferencePool (or, in proxy mode, the router's label selector) selects model servers by. */}}
{{- define "spillway.modelServerSelector" -}}
{{- if .Values.inferencePool.selector -}}
{{- toYaml .Values.inferencePool.selector -}}
{{- else -}}
spillway.io/inference-pool: {{ include "spillway.pool.name" . | quote }}
{{- end -}}
{{- end -}}

{{- define "spillway.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.registry -}}
{{ printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository $tag }}
{{- end -}}
{{- end -}}

{{/*
A Kubernetes quantity in binary units ("8Gi", "512Mi", "1Ti", "4096Ki") as whole MiB. The schema allows only these
forms for the sizes the chart computes with, so the arithmetic below is exact.
*/}}
{{- define "spillway.mib" -}}
{{- $q := toString . -}}
{{- $n := regexFind "^[0-9]+" $q | int64 -}}
{{- $unit := trimPrefix (toString $n) $q -}}
{{- if eq $unit "Ti" -}}{{ mul $n 1048576 }}
{{- else if eq $unit "Gi" -}}{{ mul $n 1024 }}
{{- else if eq $unit "Mi" -}}{{ $n }}
{{- else if eq $unit "Ki" -}}{{ div $n 1024 }}
{{- else -}}{{ fail (printf "spillway: size %q must be a whole number of Ki, Mi, Gi or Ti" $q) }}
{{- end -}}
{{- end -}}

{{/*
The node's memory plan, from its container's memory limit (all in MiB), as "heap direct cpu shm":
  heap   = node.jvm.heapMiB, else limit/8 within [1024, 4096] (Ignite's membership takes ~350 MiB of it)
  shm    = node.devShm.sizeLimit (the feed's Aeron media driver, ~47 MB; tmpfs pages count against the limit)
  direct = limit - heap - shm - node.jvm.nativeOverheadMiB (metaspace, code cache, thread stacks, GC, RocksDB's
           memtables and caches, Ignite's off-heap regions): -XX:MaxDirectMemorySize
  cpu    = node.cpuTier.capacity, else direct - max(direct/8, 512): the CPU tier is Netty direct memory and must
           leave room for the data plane's and the NVMe tier's buffers (the node refuses a capacity above direct)
*/}}
{{- define "spillway.node.memoryPlan" -}}
{{- $n := .Values.node -}}
{{- $limit := include "spillway.mib" $n.resources.limits.memory | int64 -}}
{{- $heap := int64 0 -}}
{{- if $n.jvm.heapMiB -}}
{{- $heap = int64 $n.jvm.heapMiB -}}
{{- else -}}
{{- $heap = max 1024 (min 4096 (div $limit 8)) | int64 -}}
{{- end -}}
{{- $shm := include "spillway.mib" $n.devShm.sizeLimit | int64 -}}
{{- $direct := sub (sub (sub $limit $heap) $shm) (int64 $n.jvm.nativeOverheadMiB) | int64 -}}
{{- $cpu := int64 0 -}}
{{- if $n.cpuTier.capacity -}}
{{- $cpu = include "spillway.mib" $n.cpuTier.capacity | int64 -}}
{{- else -}}
{{- $cpu = sub $direct (max 512 (div $direct 8)) | int64 -}}
{{- end -}}
{{- if lt $cpu 256 -}}
{{- fail (printf "spillway: node.resources.limits.memory %s leaves a CPU tier of %d MiB (heap %d, /dev/shm %d, native %d, direct %d): raise the limit or lower node.jvm.heapMiB" $n.resources.limits.memory $cpu $heap $shm (int64 $n.jvm.nativeOverheadMiB) $direct) -}}
{{- end -}}
{{- if gt $cpu $direct -}}
{{- fail (printf "spillway: node.cpuTier.capacity %s (%d MiB) exceeds the direct memory the limit leaves (%d MiB)" $n.cpuTier.capacity $cpu $direct) -}}
{{- end -}}
{{- printf "%d %d %d %d" $heap $direct $cpu $shm -}}
{{- end -}}

{{/* The NVMe tier's capacity in MiB: node.nvmeTier.capacity, else 90% of the volume (RocksDB needs headroom). */}}
{{- define "spillway.node.nvmeMiB" -}}
{{- $n := .Values.node -}}
{{- $volume := include "spillway.mib" $n.persistence.size | int64 -}}
{{- if $n.nvmeTier.capacity -}}
{{- $c := include "spillway.mib" $n.nvmeTier.capacity | int64 -}}
{{- if gt $c $volume -}}{{ fail (printf "spillway: node.nvmeTier.capacity %s exceeds node.persistence.size %s" $n.nvmeTier.capacity $n.persistence.size) }}{{- end -}}
{{- $c -}}
{{- else -}}
{{- div (mul $volume 9) 10 -}}
{{- end -}}
{{- end -}}

{{/*
Seconds a node may take to stop: its preStop pause, the drain (drainTimeoutMs), the hand-off of its CPU tier to the
new owners (handoffTimeoutMs), and a margin for leaving Ignite and closing the tiers (RocksDB's flush).
*/}}
{{- define "spillway.node.terminationSeconds" -}}
{{- $n := .Values.node -}}
{{- add (int64 $n.preStop.sleepSeconds) (div (add (int64 $n.drainTimeoutMs) (int64 $n.cluster.handoffTimeoutMs) 999) 1000) (int64 $n.shutdownMarginSeconds) -}}
{{- end -}}

{{/* The headless Service's DNS name inside the namespace, and each node's stable name in it. */}}
{{- define "spillway.node.service" -}}{{ include "spillway.node.name" . }}{{- end -}}

{{/* host:port of every node's control (gRPC) port, the agents' cluster seeds (the StatefulSet's stable pod names). */}}
{{- define "spillway.node.controlAddresses" -}}
{{- $svc := include "spillway.node.service" . -}}
{{- $sts := include "spillway.node.name" . -}}
{{- $ns := .Release.Namespace -}}
{{- $port := int .Values.node.ports.control -}}
{{- $out := list -}}
{{- range $i := until (int .Values.node.replicas) -}}
{{- $out = append $out (printf "%s-%d.%s.%s.svc:%d" $sts $i $svc $ns $port) -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{/* host:port of every node's block-location feed, for the router (the StatefulSet's stable pod names). */}}
{{- define "spillway.node.feeds" -}}
{{- $svc := include "spillway.node.service" . -}}
{{- $sts := include "spillway.node.name" . -}}
{{- $ns := .Release.Namespace -}}
{{- $port := int .Values.node.ports.events -}}
{{- $out := list -}}
{{- range $i := until (int .Values.node.replicas) -}}
{{- $out = append $out (printf "%s-%d.%s.%s.svc:%d" $sts $i $svc $ns $port) -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{- define "spillway.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.uid }}
runAsGroup: {{ .Values.securityContext.uid }}
fsGroup: {{ .Values.securityContext.uid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "spillway.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.uid }}
runAsGroup: {{ .Values.securityContext.uid }}
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
Security (docs/deploy.md, "Security"). Where each pod finds its certificate Secret (tls.crt, tls.key, ca.crt) and the
join secret, and what the Secrets are called: the chart's names for cert-manager, the user's for existingSecrets.
*/}}
{{- define "spillway.tls.dir" -}}/var/run/secrets/spillway/tls{{- end -}}
{{- define "spillway.join.file" -}}/var/run/secrets/spillway/join/joinSecret{{- end -}}
{{- define "spillway.mtls" -}}{{- if eq .Values.security.mode "mtls" -}}true{{- end -}}{{- end -}}

{{/* The Secret holding one identity's certificate: (dict "root" $ "who" "node" | "router" | "client" | "admin"). */}}
{{- define "spillway.tls.secret" -}}
{{- $c := .root.Values.security.certificates -}}
{{- if eq $c.source "existingSecrets" -}}
{{- $name := index $c.existingSecrets .who -}}
{{- if not $name -}}{{ fail (printf "spillway: security.certificates.existingSecrets.%s must name a Secret (source existingSecrets)" .who) }}{{- end -}}
{{- $name -}}
{{- else -}}
{{- printf "%s-%s-tls" (include "spillway.fullname" .root) .who -}}
{{- end -}}
{{- end -}}

{{/*
The identities the chart issues (certManager and generate alike), as JSON {"leaves": [...]}: who (the Secret's
suffix), role, tenant, the key usages, and whether the nodes' DNS names go in.
*/}}
{{- define "spillway.tls.leaves" -}}
{{- $leaves := list
  (dict "who" "node" "role" "node" "tenant" "" "usages" (list "server auth" "client auth") "dns" true)
  (dict "who" "router" "role" "router" "tenant" "" "usages" (list "client auth") "dns" false)
  (dict "who" "admin" "role" "admin" "tenant" "" "usages" (list "client auth") "dns" false) -}}
{{- if .Values.vllm.enabled -}}
{{- $leaves = append $leaves (dict "who" "client" "role" "client" "tenant" .Values.vllm.tenant "usages" (list "client auth") "dns" false) -}}
{{- end -}}
{{- toJson (dict "leaves" $leaves) -}}
{{- end -}}

{{- define "spillway.joinSecret.name" -}}
{{- .Values.security.joinSecret.existingSecret | default (printf "%s-join" (include "spillway.fullname" .)) -}}
{{- end -}}

{{/* An identity's URI: (dict "root" $ "role" "node" "tenant" ""). */}}
{{- define "spillway.identity" -}}
{{- $td := .root.Values.security.trustDomain -}}
{{- if .tenant -}}
{{- printf "spiffe://%s/tenant/%s/role/%s" $td .tenant .role -}}
{{- else -}}
{{- printf "spiffe://%s/role/%s" $td .role -}}
{{- end -}}
{{- end -}}

{{/*
The names the nodes' certificate carries: every node's stable name under the headless Service, as a wildcard (the
JDK's host name check matches one leftmost label), in each form a peer dials: the advertised
<pod>.<svc>.<ns>.svc.<clusterDomain> (the partition map's address), <pod>.<svc>.<ns>.svc (the router's feeds and
the agents' seeds), and the shorter forms inside the namespace.
*/}}
{{- define "spillway.node.dnsNames" -}}
{{- $svc := include "spillway.node.service" . -}}
{{- $ns := .Release.Namespace -}}
- {{ printf "*.%s.%s.svc.%s" $svc $ns .Values.clusterDomain | quote }}
- {{ printf "*.%s.%s.svc" $svc $ns | quote }}
- {{ printf "*.%s.%s" $svc $ns | quote }}
- {{ printf "*.%s" $svc | quote }}
{{- end -}}

{{/* A pod volume of one identity's certificate Secret, read by its user only. */}}
{{- define "spillway.tls.volume" -}}
- name: tls
  secret:
    secretName: {{ include "spillway.tls.secret" (dict "root" .root "who" .who) }}
    defaultMode: 0440       # root:<fsGroup>: the pod's user reads it, nobody else
{{- end -}}
