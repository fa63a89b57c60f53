// Package natsjs is floodcmd's NATS JetStream adapter: the embedded server,
// the town's stream and buckets, credentials and permissions, the publisher
// and the drill replayer, and the runner of a town's engine — the log reader
// and its watchdog, the appender of atomic decision rounds and their fences,
// the single-writer lease, the mutual-aid outbox forwarder and the Prometheus
// metrics. The fold it runs (package engine) knows nothing of NATS and reads
// no clock: the runner hands it the log's messages in order and the time to
// decide at.
package natsjs
