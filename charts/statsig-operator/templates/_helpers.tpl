{{/*
Names are fixed: the binary refers to statsig-operator-webhook-cert and to the two webhook
configurations by name, so they must not depend on the release name.
*/}}

{{- define "statsig-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "statsig-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: statsig-operator
{{- end }}

{{- define "statsig-operator.selectorLabels" -}}
app.kubernetes.io/name: statsig-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "statsig-operator.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* The webhook certificate mode: cert-manager, external (user Secret) or self (the operator's rotator). */}}
{{- define "statsig-operator.certMode" -}}
{{- if and .Values.certManager.enabled .Values.webhook.externalCert.secretName -}}
{{- fail "certManager.enabled and webhook.externalCert.secretName are mutually exclusive: choose one source for the webhook certificate" -}}
{{- else if .Values.certManager.enabled -}}
cert-manager
{{- else if .Values.webhook.externalCert.secretName -}}
external
{{- else -}}
self
{{- end -}}
{{- end }}

{{- define "statsig-operator.certSecretName" -}}
{{- .Values.webhook.externalCert.secretName | default "statsig-operator-webhook-cert" -}}
{{- end }}

{{/* Annotations and caBundle shared by both webhook configurations. */}}
{{- define "statsig-operator.webhookCAAnnotations" -}}
{{- if eq (include "statsig-operator.certMode" .) "cert-manager" -}}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/statsig-operator-webhook-cert
{{- end }}
{{- end }}

{{- define "statsig-operator.clientConfig" -}}
clientConfig:
  service:
    name: statsig-operator-webhook
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path }}
    port: 443
  {{- if eq (include "statsig-operator.certMode" .root) "external" }}
  caBundle: {{ required "webhook.externalCert.caBundle is required with webhook.externalCert.secretName" .root.Values.webhook.externalCert.caBundle }}
  {{- end }}
{{- end }}

{{/*
Where the endpoint certificate comes from with endpoint.tls.enabled (--endpoint-cert-mode):
an external Secret, cert-manager, or the operator itself.
*/}}
{{- define "statsig-operator.endpointCertMode" -}}
{{- if and .Values.certManager.enabled .Values.endpoint.tls.externalCert.secretName -}}
{{- fail "certManager.enabled and endpoint.tls.externalCert.secretName are mutually exclusive: choose one source for the endpoint certificate" -}}
{{- else if .Values.endpoint.tls.externalCert.secretName -}}
external
{{- else if .Values.certManager.enabled -}}
cert-manager
{{- else -}}
self
{{- end -}}
{{- end }}

{{- define "statsig-operator.endpointTLS" -}}
{{- if and .Values.endpoint.enabled .Values.endpoint.tls.enabled }}true{{ end -}}
{{- end }}

{{- define "statsig-operator.endpointCertSecretName" -}}
{{- .Values.endpoint.tls.externalCert.secretName | default "statsig-operator-endpoint-cert" -}}
{{- end }}

{{- define "statsig-operator.issuerRef" -}}
{{- if .Values.certManager.issuerRef -}}
{{- toYaml .Values.certManager.issuerRef }}
{{- else -}}
group: cert-manager.io
kind: Issuer
name: statsig-operator-selfsigned
{{- end -}}
{{- end }}
