package cap

import "strings"

// trimAlert strips the whitespace that pretty-printed XML puts around values,
// so that "<status>\n  Actual\n</status>" reads as "Actual".
func trimAlert(a *Alert) {
	for _, p := range []*string{&a.Identifier, &a.Sender, &a.Sent, &a.Status, &a.MsgType, &a.Source, &a.Scope,
		&a.Restriction, &a.Addresses, &a.Note, &a.References, &a.Incidents} {
		*p = strings.TrimSpace(*p)
	}
	trimAll(a.Code)
	for i := range a.Info {
		in := &a.Info[i]
		for _, p := range []*string{&in.Language, &in.Event, &in.Urgency, &in.Severity, &in.Certainty, &in.Audience,
			&in.Effective, &in.Onset, &in.Expires, &in.SenderName, &in.Headline, &in.Web, &in.Contact} {
			*p = strings.TrimSpace(*p)
		}
		trimAll(in.Category)
		trimAll(in.ResponseType)
		trimNV(in.EventCode)
		trimNV(in.Parameter)
		for j := range in.Resource {
			r := &in.Resource[j]
			for _, p := range []*string{&r.ResourceDesc, &r.MimeType, &r.Size, &r.URI, &r.DerefURI, &r.Digest} {
				*p = strings.TrimSpace(*p)
			}
		}
		for j := range in.Area {
			ar := &in.Area[j]
			ar.AreaDesc, ar.Altitude, ar.Ceiling = strings.TrimSpace(ar.AreaDesc), strings.TrimSpace(ar.Altitude), strings.TrimSpace(ar.Ceiling)
			trimAll(ar.Polygon)
			trimAll(ar.Circle)
			trimNV(ar.Geocode)
		}
	}
}

func trimAll(list []string) {
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
}

func trimNV(list []NameValue) {
	for i := range list {
		list[i].ValueName, list[i].Value = strings.TrimSpace(list[i].ValueName), strings.TrimSpace(list[i].Value)
	}
}
