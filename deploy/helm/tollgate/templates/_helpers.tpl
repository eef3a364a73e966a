{{/* Labels on every object of the chart (the CRDs in crds/ carry none: they stay equal to the generated files). */}}
{{- define "tollgate.labels" -}}
app.kubernetes.io/name: tollgate-operator
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: tollgate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The operator pod's selector: the same as deploy/20-operator.yaml. */}}
{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: tollgate-operator
{{- end -}}

{{/* The image: repository@digest when a digest is given, else repository:tag (tag defaults to appVersion). */}}
{{- define "tollgate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace -}}
{{- end -}}

{{/* True when a Prometheus operator object may be rendered. */}}
{{- define "tollgate.monitoringApi" -}}
{{- if or .Values.monitoring.forceApiVersion (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") -}}true{{- end -}}
{{- end -}}

{{/*
The operator's permissions inside a namespace it watches: the rules of deploy/10-rbac.yaml that name namespaced
resources (the comments there say why each one is needed). HelmChartTest checks that these plus
tollgate.clusterRules are exactly the ClusterRole that `kubectl kustomize deploy/` renders.
*/}}
{{- define "tollgate.namespacedRules" -}}
- apiGroups: ["llm.tollgate.dev"]
  resources: ["gatewaydeployments", "llmmodels", "virtualkeys", "budgets", "logsinks", "prompts"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["llm.tollgate.dev"]
  resources: ["gatewaydeployments/status", "llmmodels/status", "virtualkeys/status", "budgets/status", "logsinks/status", "prompts/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps", "serviceaccounts", "services"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
{{- end -}}

{{/* The operator's cluster-scoped reads, whatever the watch scope: Namespace labels, its CRDs by name. */}}
{{- define "tollgate.clusterRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  resourceNames:
    - budgets.llm.tollgate.dev
    - gatewaydeployments.llm.tollgate.dev
    - llmmodels.llm.tollgate.dev
    - logsinks.llm.tollgate.dev
    - prompts.llm.tollgate.dev
    - virtualkeys.llm.tollgate.dev
  verbs: ["get"]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
{{- end -}}
