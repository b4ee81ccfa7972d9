{{/* Names and labels, as `helm create` lays them out. */}}
{{- define "authgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "authgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "authgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "authgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "authgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "authgate.labels" -}}
helm.sh/chart: {{ include "authgate.chart" . }}
{{ include "authgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "authgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "authgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding client-id, client-secret, cookie-secret: the user's, or the chart's. */}}
{{- define "authgate.secretName" -}}
{{- if .Values.config.existingSecret }}
{{- .Values.config.existingSecret }}
{{- else }}
{{- include "authgate.fullname" . }}
{{- end }}
{{- end }}

{{/* True (non-empty) when the chart must create its own Secret. */}}
{{- define "authgate.createSecret" -}}
{{- $r := .Values.sessionStorage.redis -}}
{{- if or (not .Values.config.existingSecret) (and (eq .Values.sessionStorage.type "redis") (or (and (not $r.existingSecret) $r.password) (and (not $r.sentinel.existingSecret) $r.sentinel.password))) -}}
true
{{- end }}
{{- end }}

{{/* Path of the mounted config file: .yaml so authgate reads it as YAML. */}}
{{- define "authgate.configPath" -}}
/etc/authgate/authgate.yaml
{{- end }}

{{/*
The container args. Fixed listen addresses first, then what the values turn on, then extraArgs in key order.
Secrets never appear here: they come from the Secret through the environment.
*/}}
{{- define "authgate.args" -}}
- --config={{ include "authgate.configPath" . }}
- --http-address=0.0.0.0:{{ .Values.httpPort }}
{{- if .Values.https.enabled }}
- --https-address=0.0.0.0:{{ .Values.https.port }}
- --tls-cert-file=/etc/authgate/tls/tls.crt
- --tls-key-file=/etc/authgate/tls/tls.key
{{- end }}
{{- if .Values.metrics.enabled }}
- --metrics-address=0.0.0.0:{{ .Values.metrics.port }}
{{- end }}
{{- if .Values.reverseProxy }}
- --reverse-proxy=true
{{- end }}
{{- if or .Values.upstreamCA.secretName .Values.upstreamCA.configMapName }}
- {{ printf "--upstream-ca=/etc/authgate/upstream-ca/%s" .Values.upstreamCA.key | quote }}
{{- end }}
{{- if .Values.kubeImpersonation.enabled }}
- --kube-impersonation=true
{{- if .Values.kubeImpersonation.impersonateUid }}
- --kube-impersonate-uid=true
{{- end }}
{{- range $key, $claim := .Values.kubeImpersonation.extraClaims }}
- {{ printf "--kube-extra-claim=%s=%s" $key $claim | quote }}
{{- end }}
{{- end }}
{{- if eq .Values.sessionStorage.type "redis" }}
{{- $r := .Values.sessionStorage.redis }}
- --session-store-type=redis
{{- if eq $r.clientType "standalone" }}
- {{ printf "--redis-connection-url=%s" (required "sessionStorage.redis.standalone.connectionUrl is required when clientType is standalone" $r.standalone.connectionUrl) | quote }}
{{- else if eq $r.clientType "cluster" }}
- --redis-use-cluster=true
{{- range (required "sessionStorage.redis.cluster.connectionUrls is required when clientType is cluster" $r.cluster.connectionUrls) }}
- {{ printf "--redis-cluster-connection-urls=%s" . | quote }}
{{- end }}
{{- else if eq $r.clientType "sentinel" }}
- --redis-use-sentinel=true
- {{ printf "--redis-sentinel-master-name=%s" (required "sessionStorage.redis.sentinel.masterName is required when clientType is sentinel" $r.sentinel.masterName) | quote }}
{{- range (required "sessionStorage.redis.sentinel.connectionUrls is required when clientType is sentinel" $r.sentinel.connectionUrls) }}
- {{ printf "--redis-sentinel-connection-urls=%s" . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.extraArgs }}
{{- if kindIs "slice" $value }}
{{- range $value }}
- {{ printf "--%s=%v" $key . | quote }}
{{- end }}
{{- else }}
- {{ printf "--%s=%v" $key $value | quote }}
{{- end }}
{{- end }}
{{- end }}
