# syntax=docker/dockerfile:1
# Multi-arch build: `docker buildx build --platform linux/amd64,linux/arm64 .`
FROM --platform=$BUILDPLATFORM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace
# Dependencies first, so source edits reuse the module cache layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w" -o /out/statsig-operator .

# distroless/static:nonroot runs as uid 65532, the uid the chart and config/manager expect.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /out/statsig-operator /statsig-operator
USER 65532:65532
ENTRYPOINT ["/statsig-operator"]
