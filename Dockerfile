# floodcmd in a container: one static binary, the scenarios embedded.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/floodcmd ./cmd/floodcmd
# Mount points the nonroot user may write: named volumes start with their owner.
RUN mkdir -p /out/data /out/keys

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/floodcmd /usr/local/bin/floodcmd
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/keys /keys
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/floodcmd"]
CMD ["serve"]
