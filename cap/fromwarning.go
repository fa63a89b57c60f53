package cap

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// WarningInput is what FromWarning needs to know about one message of a
// floodcmd warning; it is plain data so that cap does not depend on the warning package.
type WarningInput struct {
	// Identifier names the warning's episode (e.g. "duhu-village-nancun-rain-20220513T011000Z"):
	// every message of one episode (Alert, Updates, Cancel) carries it.
	Identifier string
	Town       string // slug: the sender is floodcmd@<town>
	TownName   string // 都斛镇
	TownNameEn string // Duhu
	Kind       string // rain, level, gauge_silent, external
	Level      string // blue, yellow, orange, red
	Drill      bool   // status Exercise instead of Actual
	Sent       time.Time
	Expires    time.Time // required: every alert says until when it holds
	// Zone is the town's time zone for every time written (nil: Sent's own).
	Zone *time.Location
	// MsgType Alert (default), Update or Cancel; References as CAP wants them
	// ("sender,identifier,sent" of the message this one replaces).
	MsgType    string
	References string
	Areas      []WarningArea
	// Evidence in words, for description (e.g. "rain-nankeng 106 mm in 3 h ≥ 100").
	Evidence []string
	// Event and EventEn, when set, name the event instead of "暴雨红色预警" /
	// "Rainstorm red warning": a warning taken from an external alert keeps
	// that alert's own event name. Categories likewise (default Met).
	Event, EventEn string
	Categories     []string
}

// WarningArea is one village or grid the warning covers.
type WarningArea struct {
	Name, NameEn string
	Polygons     []orb.Ring // lon, lat as orb has them
}

// Severity maps floodcmd levels onto CAP: blue→Minor, yellow→Moderate,
// orange→Severe, red→Extreme (the CMA colours are ordered the same way;
// "Unknown" for anything else).
func Severity(level string) string {
	if s, ok := severities[level]; ok {
		return s
	}
	return "Unknown"
}

var severities = map[string]string{"blue": "Minor", "yellow": "Moderate", "orange": "Severe", "red": "Extreme"}

// LevelOf maps a CAP severity back onto a floodcmd level ("" for Unknown).
func LevelOf(severity string) string {
	return map[string]string{"Minor": "blue", "Moderate": "yellow", "Severe": "orange", "Extreme": "red"}[severity]
}

// urgency: orange and red mean act now; blue and yellow, get ready.
func urgency(level string) string {
	if level == "orange" || level == "red" {
		return "Immediate"
	}
	return "Expected"
}

// responseTypes: red — move out of danger; orange/yellow — prepare; blue — monitor.
func responseTypes(level string) []string {
	switch level {
	case "red":
		return []string{"Evacuate", "Prepare"}
	case "orange", "yellow":
		return []string{"Prepare"}
	}
	return []string{"Monitor"}
}

var levelZh = map[string]string{"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}

var kindZh = map[string][2]string{
	"rain":         {"暴雨", "Rainstorm"},
	"level":        {"水位", "High water"},
	"gauge_silent": {"雨量站失联", "Rain gauge silent"},
	"external":     {"暴雨", "Rainstorm"},
}

// ParamLevel is the parameter carrying floodcmd's level, so that a floodcmd
// alert read back (or by another town) keeps its exact colour.
const ParamLevel = "floodcmd:level"

// FromWarning builds one CAP message of a floodcmd warning: two info blocks,
// zh-CN first (the town's language) then en-US, category Met, event like
// "暴雨红色预警" / "Rainstorm red warning" (or the external alert's own),
// severity and urgency from the level, a headline naming the area and the
// level, and one area per village or grid with its polygons in CAP's lat,lon
// order. A Cancel says the warning is lifted (responseType AllClear, urgency Past).
func FromWarning(in WarningInput) (Alert, error) {
	zone := in.Zone
	if zone == nil {
		zone = in.Sent.Location()
	}
	kind, ok := kindZh[in.Kind]
	if !ok {
		kind = kindZh["rain"]
	}
	status := "Actual"
	if in.Drill {
		status = "Exercise"
	}
	msgType := in.MsgType
	if msgType == "" {
		msgType = "Alert"
	}
	if in.Expires.IsZero() {
		return Alert{}, fmt.Errorf("warning %s: no expiry (every alert floodcmd sends has one)", in.Identifier)
	}
	a := Alert{Identifier: in.Identifier, Sender: Sender(in.Town), Sent: FormatTime(in.Sent.In(zone)),
		Status: status, MsgType: msgType, Scope: "Public", References: in.References}
	if in.Drill {
		a.Note = "演练 Exercise: not a real warning"
	}
	var areas []Area
	areaZh, areaEn := "", ""
	for i, ar := range in.Areas {
		area := Area{AreaDesc: strings.TrimSpace(ar.Name + " " + ar.NameEn)}
		if i == 0 {
			areaZh, areaEn = ar.Name, ar.NameEn
		}
		for _, r := range ar.Polygons {
			if len(r) >= 3 {
				area.Polygon = append(area.Polygon, FormatPolygon(r))
			}
		}
		areas = append(areas, area)
	}
	expires := FormatTime(in.Expires.In(zone))
	evidence := strings.Join(in.Evidence, "; ")
	zhEvent := kind[0] + levelZh[in.Level] + "预警"
	enEvent := strings.TrimSpace(fmt.Sprintf("%s %s warning", kind[1], in.Level))
	zhTitle, enTitle := zhEvent, enEvent
	if in.Event != "" || in.EventEn != "" {
		zhEvent, enEvent = firstOf(in.Event, in.EventEn), firstOf(in.EventEn, in.Event)
		zhTitle, enTitle = " "+zhEvent+" "+levelZh[in.Level], enEvent+" ("+in.Level+")"
	}
	cats := in.Categories
	if len(cats) == 0 {
		cats = []string{"Met"}
	}
	instrZh, instrEn := instructionZh(in.Level), instructionEn(in.Level)
	urg, resp := urgency(in.Level), responseTypes(in.Level)
	if msgType == "Cancel" {
		zhTitle, enTitle = zhTitle+"解除", enTitle+" lifted"
		instrZh, instrEn = "预警已解除，仍请注意安全。", "The warning is lifted; stay careful."
		urg, resp = "Past", []string{"AllClear"}
		evidence = "解除 lifted. " + evidence
	}
	common := func(lang, event, sender, headline, desc, instr string) Info {
		return Info{Language: lang, Category: cats, Event: event, ResponseType: resp,
			Urgency: urg, Severity: Severity(in.Level), Certainty: "Observed",
			Expires: expires, SenderName: sender, Headline: headline, Description: strings.TrimSpace(desc), Instruction: instr,
			Parameter: []NameValue{{ParamLevel, in.Level}}, Area: areas}
	}
	a.Info = []Info{
		common("zh-CN", zhEvent, in.TownName+"三防指挥部", in.TownName+areaZh+zhTitle, evidence, instrZh),
		common("en-US", enEvent, in.TownNameEn+" flood control command", strings.TrimSuffix(in.TownNameEn+", "+areaEn, ", ")+": "+enTitle, evidence, instrEn),
	}
	return a, Validate(a)
}

// Sender is the CAP sender of a town's floodcmd.
func Sender(town string) string { return "floodcmd@" + town }

// Reference is how <references> names a message: sender,identifier,sent.
func Reference(sender, identifier string, sent time.Time, zone *time.Location) string {
	if zone != nil {
		sent = sent.In(zone)
	}
	return sender + "," + identifier + "," + FormatTime(sent)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func instructionZh(level string) string {
	if level == "red" || level == "orange" {
		return "危险地带人员立即转移，听从村（社区）网格员指引前往安置点。"
	}
	return "注意防范，远离低洼地带和河道。"
}

func instructionEn(level string) string {
	if level == "red" || level == "orange" {
		return "Leave dangerous low-lying areas now; follow your grid worker to the shelter."
	}
	return "Stay alert; keep away from low-lying ground and channels."
}
