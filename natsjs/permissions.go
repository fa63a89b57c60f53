package natsjs

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/floodcmd/floodcmd/events"
)

// neverPublished are the JetStream requests that erase a log: no credential
// may send them, not even a town's own engine. A stream that must go is
// removed by whoever runs the NATS servers, with the system's own tools.
var neverPublished = []string{
	"$JS.API.STREAM.PURGE.>",
	"$JS.API.STREAM.DELETE.>",
	"$JS.API.STREAM.MSG.DELETE.>",
	"$JS.API.STREAM.RESTORE.>",
	"$JS.API.ACCOUNT.PURGE.>",
	"$JS.API.STREAM.PEER.REMOVE.>",
}

// natsAdmin may do everything but erase a log. `floodcmd creds` never issues
// it; tests drive a town with it as if they were every outside client at once.
const natsAdmin = "admin"

// IssueAdmin signs an admin user (see natsAdmin): for tests only.
func (a *Authority) IssueAdmin(town string) (User, error) {
	return a.Issue(natsAdmin, town, 0, time.Now())
}

// RolePermissions are the subjects a role of town may publish and subscribe.
// Everything not allowed is refused by the server itself.
func RolePermissions(role, town string) (jwt.Permissions, error) {
	return rolePermissions(role, town, "")
}

// ResponderPermissions are those of one responder's phone (role NatsResponder).
func ResponderPermissions(town, responder string) (jwt.Permissions, error) {
	return rolePermissions(NatsResponder, town, responder)
}

func rolePermissions(role, town, subject string) (jwt.Permissions, error) {
	if !events.ValidSlug(town) {
		return jwt.Permissions{}, fmt.Errorf("town %q: a slug of lower-case letters, digits, '-' or '_'", town)
	}
	t := func(rest string) string { return events.Prefix + "." + town + "." + rest }
	stream := StreamName(town)
	var p jwt.Permissions
	p.Pub.Deny.Add(neverPublished...)
	switch role {
	case NatsEngine, NatsTown:
		// The town's own everything: inputs, decisions, rejections …
		p.Pub.Allow.Add(events.Prefix + "." + town + ".>")
		// … and aid into other towns' inboxes, the sender's own slug last, so
		// that the server refuses a message sent in another town's name.
		p.Pub.Allow.Add(events.Prefix + "." + events.ChanAid + ".*.*." + town)
		p.Pub.Allow.Add(manageStream(stream)...)
		p.Pub.Allow.Add(manageStream("KV_" + TownBucket(town))...)
		p.Pub.Allow.Add("$KV." + TownBucket(town) + ".>")
		// The shared lease bucket: its configuration, and this town's key only.
		p.Pub.Allow.Add("$JS.API.STREAM.CREATE.KV_"+LeaseBucketName, "$JS.API.STREAM.UPDATE.KV_"+LeaseBucketName,
			"$JS.API.STREAM.INFO.KV_"+LeaseBucketName, "$JS.API.STREAM.MSG.GET.KV_"+LeaseBucketName,
			"$JS.API.DIRECT.GET.KV_"+LeaseBucketName+".$KV."+LeaseBucketName+"."+town,
			"$KV."+LeaseBucketName+"."+town)
		p.Pub.Allow.Add("$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST")
		p.Sub.Allow.Add(InboxPrefix(town) + ".>")
		if role == NatsEngine {
			// While the disk is full the engine answers its town's publishers
			// itself, at once, with the reason (cmd/floodcmd/diskfull.go): it
			// listens on its own inputs and may reply once to each (allow_responses).
			p.Sub.Allow.Add(events.Prefix+"."+town+".>", events.Prefix+"."+events.ChanAid+"."+town+".>")
			p.Resp = &jwt.ResponsePermission{MaxMsgs: 1, Expires: time.Minute}
		}
	case NatsGauge:
		p.Pub.Allow.Add(t(events.ChanRain), t(events.ChanLevel))
		p.Sub.Allow.Add("_INBOX.>")
	case NatsField:
		p.Pub.Allow.Add(t(events.ChanIncident), t(events.ChanResponder+".*"), t(events.ChanShelter+".*"))
		// A phone listens for its assignments, read from the log.
		p.Sub.Allow.Add(t(events.ChanOut+".assignment.*"), "_INBOX.>")
		p.Pub.Allow.Add(readLog(stream, t(events.ChanOut+".assignment.*"))...)
	case NatsResponder:
		// One responder's phone: its own status and its own assignments only.
		if !events.ValidSlug(subject) {
			return jwt.Permissions{}, fmt.Errorf("a responder credential names its responder (--responder t-001), got %q", subject)
		}
		p.Pub.Allow.Add(t(events.ChanIncident), t(events.ChanResponder+"."+subject))
		p.Sub.Allow.Add(t(events.ChanOut+".assignment."+subject), "_INBOX.>")
		p.Pub.Allow.Add(readLog(stream, t(events.ChanOut+".assignment."+subject))...)
	case NatsOperator:
		p.Pub.Allow.Add(t(events.ChanRain), t(events.ChanLevel), t(events.ChanIncident), t(events.ChanResponder+".*"), t(events.ChanShelter+".*"),
			t(events.ChanCommand), t(events.ChanCAP))
		// Reading the town's log with the nats CLI: consumers, never configuration.
		p.Pub.Allow.Add("$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST", "$JS.API.STREAM.INFO."+stream,
			"$JS.API.STREAM.MSG.GET."+stream, "$JS.API.DIRECT.GET."+stream, "$JS.API.DIRECT.GET."+stream+".>",
			"$JS.API.CONSUMER.CREATE."+stream, "$JS.API.CONSUMER.CREATE."+stream+".>",
			"$JS.API.CONSUMER.INFO."+stream+".*", "$JS.API.CONSUMER.MSG.NEXT."+stream+".*")
		p.Sub.Allow.Add(events.Prefix+"."+town+".>", events.Prefix+"."+events.ChanAid+"."+town+".>", "_INBOX.>")
	case natsAdmin:
		p.Pub.Allow.Add(">")
		p.Sub.Allow.Add(">")
		return p, nil
	case NatsViewer:
		// Reads decisions only: from the log, through a consumer filtered to them.
		p.Pub.Allow.Add(readLog(stream, t(events.ChanOut+".>"))...)
		p.Sub.Allow.Add(t(events.ChanOut+".>"), "_INBOX.>")
	default:
		return jwt.Permissions{}, fmt.Errorf("NATS role %q: one of %s", role, strings.Join(NatsRoles, ", "))
	}
	// Decisions and rejection notices are the engine's alone.
	if role != NatsEngine && role != NatsTown {
		p.Pub.Deny.Add(t(events.ChanOut+".>"), t(events.ChanRejected))
	}
	return p, nil
}

// readLog lets a client read the messages of stream under filter through a
// consumer of its own, as a decision should be read (a plain subscription also
// sees rounds the log refused): the consumer may be created only with a filter
// inside filter (the API subject names it, and the server holds the request to it).
func readLog(stream, filter string) []string {
	// Stream info (configuration and counts, no event) lets a client find
	// where to start; the nats CLI asks for it before it creates the consumer.
	return []string{"$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.INFO." + stream,
		"$JS.API.CONSUMER.CREATE." + stream + ".*." + filter, "$JS.API.CONSUMER.INFO." + stream + ".*",
		"$JS.API.CONSUMER.MSG.NEXT." + stream + ".*", "$JS.API.CONSUMER.DELETE." + stream + ".*",
		"$JS.ACK." + stream + ".>", "$JS.FC." + stream + ".>"}
}

// manageStream is what an owner needs of its stream: create it, update its
// configuration, read it (consumers, direct gets) — never purge or delete it.
func manageStream(stream string) []string {
	return []string{
		"$JS.API.STREAM.CREATE." + stream, "$JS.API.STREAM.UPDATE." + stream, "$JS.API.STREAM.INFO." + stream,
		"$JS.API.STREAM.MSG.GET." + stream, "$JS.API.DIRECT.GET." + stream, "$JS.API.DIRECT.GET." + stream + ".>",
		"$JS.API.CONSUMER.CREATE." + stream, "$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DURABLE.CREATE." + stream + ".*", "$JS.API.CONSUMER.INFO." + stream + ".*",
		"$JS.API.CONSUMER.DELETE." + stream + ".*", "$JS.API.CONSUMER.MSG.NEXT." + stream + ".*",
		"$JS.API.CONSUMER.NAMES." + stream, "$JS.API.CONSUMER.LIST." + stream,
		"$JS.ACK." + stream + ".>", "$JS.FC." + stream + ".>",
	}
}
