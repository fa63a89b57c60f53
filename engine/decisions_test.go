package engine

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// kindConstants reads the string constants named prefix… in a package's
// source: a decision kind added there without a contract type fails below.
func kindConstants(t *testing.T, dir, prefix string) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	require.NoError(t, err)
	var out []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
							continue
						}
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							out = append(out, s)
						}
					}
				}
			}
		}
	}
	require.NotEmpty(t, out, "no %s… constants in %s", prefix, dir)
	return out
}

// Every decision kind a domain package can make has a contract type, owned by
// that domain, whose data is the domain's own decision type.
func TestEveryDecisionKindIsRegistered(t *testing.T) {
	aidKinds := make([]string, 0, len(events.AidKinds))
	for k := range events.AidKinds {
		aidKinds = append(aidKinds, k)
	}
	cases := []struct {
		owner events.Owner
		kinds []string
		data  reflect.Type
	}{
		{events.OwnerDispatch, kindConstants(t, "../dispatch", "Decision"), reflect.TypeFor[dispatch.Decision]()},
		{events.OwnerEvac, kindConstants(t, "../evac", "Decision"), reflect.TypeFor[evac.Decision]()},
		{events.OwnerWarning, kindConstants(t, "../warning", "Change"), reflect.TypeFor[warning.Change]()},
		{events.OwnerAid, aidKinds, reflect.TypeFor[events.Aid]()},
	}
	claimed := map[string]bool{}
	for _, c := range cases {
		for _, kind := range c.kinds {
			spec, ok := events.DecisionOf(c.owner, kind)
			if assert.True(t, ok, "%s decision %q has no contract type in events.decisionSpecs", c.owner, kind) {
				assert.Equal(t, c.owner, spec.Owner, kind)
				assert.Equal(t, c.data, spec.DataType(), "%s: data type", spec.Type)
				assert.NotNil(t, spec.Subject, "%s: subject", spec.Type)
				claimed[spec.Type] = true
			}
		}
	}
	owners := map[events.Owner]bool{events.OwnerDispatch: true, events.OwnerEvac: true, events.OwnerWarning: true,
		events.OwnerAid: true, events.OwnerEngine: true}
	for _, spec := range events.Decisions() {
		assert.True(t, owners[spec.Owner], "%s: owner %q", spec.Type, spec.Owner)
		assert.NotNil(t, spec.DataType(), "%s: no Go data type bound", spec.Type)
		assert.True(t, strings.HasPrefix(spec.Type, "flood."), spec.Type)
		if spec.Owner != events.OwnerEngine && spec.Type != events.TypeAidDelivered {
			assert.True(t, claimed[spec.Type], "%s is registered but no domain makes it", spec.Type)
		}
	}
}

// fill sets every field of v to something non-zero, so a round trip through
// JSON that loses a field shows.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s-" + strconv.Itoa(depth))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(3 + depth))
	case reflect.Uint64, reflect.Uint:
		v.SetUint(uint64(5 + depth))
	case reflect.Float64:
		v.SetFloat(1.5 + float64(depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		if depth < 3 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), depth+1)
		}
	case reflect.Slice:
		if depth < 3 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fill(v.Index(0), depth+1)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2022, 5, 12, 23, depth, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

// Every registered type's data survives the log: encoded into an event and
// decoded through the registry, it is the same value, and its ids are read.
func TestEveryDecisionTypeRoundTrips(t *testing.T) {
	for _, spec := range events.Decisions() {
		t.Run(spec.Type, func(t *testing.T) {
			want := reflect.New(spec.DataType())
			fill(want.Elem(), 0)
			ev, err := events.New("d-1", "floodcmd/duhu", spec.Type, time.Date(2022, 5, 12, 23, 0, 0, 0, time.UTC), want.Interface())
			require.NoError(t, err)
			raw, err := json.Marshal(ev)
			require.NoError(t, err)
			back, err := events.DecodeEnvelope(raw)
			require.NoError(t, err)
			got, err := spec.Decode(back)
			require.NoError(t, err)
			require.Equal(t, want.Interface(), got)
			refs := spec.Refs(got)
			assert.Equal(t, refs, spec.Refs(reflect.ValueOf(got).Elem().Interface()), "value and pointer give the same ids")
			if spec.Owner != events.OwnerEngine && spec.Type != events.TypeAidDelivered {
				assert.NotEqual(t, events.Refs{}, refs, "a %s decision names what it is about", spec.Type)
			}
			if spec.Subject != nil {
				s := spec.SubjectFor("duhu", got)
				a, err := events.ParseSubject(s)
				require.NoError(t, err, s)
				assert.Equal(t, events.ChanOut, a.Channel, s)
			}
		})
	}
}

// The engine's own rounds, decided and folded without NATS: every decision is
// registered, goes to its subject, and folds back through its owner.
func TestDecisionsTheEngineMakesAreRegistered(t *testing.T) {
	d := duhuDomain(t)
	st := NewState("duhu", d)
	now := time.Date(2022, 5, 12, 23, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var seq uint64
	put := func(subject string, raw []byte) {
		seq++
		out, _ := st.Apply(seq, subject, raw)
		require.NotEqual(t, Refused, out, "%s %s: %v", subject, raw, st.Owed())
	}
	in := func(subject, typ string, data string) {
		put(subject, fmt.Appendf(nil, `{"specversion":"1.0","id":"in-%d","source":"test","type":%q,"time":%q,"data":%s}`,
			seq, typ, now.Format(time.RFC3339), data))
	}
	types := map[string]int{}
	round := func() {
		for _, o := range st.Decide(now, true) {
			require.NoError(t, events.CheckDecision("duhu", o.Subject, o.Event))
			types[o.Event.Type]++
			raw, err := json.Marshal(o.Event)
			require.NoError(t, err)
			put(o.Subject, raw)
		}
	}
	for i := range 6 {
		in("flood.duhu.incident", events.TypeIncidentReported, fmt.Sprintf(`{"kind":"trapped","lat":22.06,"lon":%v,"people":40,"severity":1}`, 112.90+float64(i)*0.003))
	}
	for h := range 3 {
		in("flood.duhu.rain", events.TypeRainObserved, `{"gauge":"rain-nankeng","mm":90,"minutes":60}`)
		now = now.Add(time.Hour)
		_ = h
	}
	in("flood.duhu.command", events.TypeCommandPrefix+events.VerbEvacuate, `{"operator":"test","level":"mandatory","villages":["nancun"]}`)
	round()
	now = now.Add(20 * time.Minute) // past the ack time-out: assignments time out
	round()
	round()
	require.Zero(t, d.unregistered, "decisions whose kind has no contract type")
	require.Zero(t, st.Voided())
	for _, typ := range []string{events.TypeAssignmentCreated, events.TypeEvacAssigned} {
		assert.Positive(t, types[typ], "no %s in %v", typ, types)
	}
	t.Logf("decisions by type: %v", types)
}
