package osm

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// The library reads PBF but cannot write it, so the tests carry a small
// writer of the format (https://wiki.openstreetmap.org/wiki/PBF_Format):
// blobs of zlib-compressed PrimitiveBlocks with DenseNodes, Ways and
// Relations, 8000 elements a block as osmium writes them.

type fnode struct {
	id       int64
	lon, lat float64
	tags     map[string]string
}

type fway struct {
	id    int64
	nodes []int64
	tags  map[string]string
}

type fmember struct {
	typ  string // node, way, relation
	ref  int64
	role string
}

type frel struct {
	id      int64
	members []fmember
	tags    map[string]string
}

// fixture is an OSM extract built in a test.
type fixture struct {
	nodes []fnode
	ways  []fway
	rels  []frel
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeXML writes the fixture as .osm XML.
func (f *fixture) writeXML(path string) error {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"floodcmd test\">\n")
	tags := func(m map[string]string) {
		for _, k := range sortedKeys(m) {
			fmt.Fprintf(&b, "    <tag k=%q v=%q/>\n", xmlEscape(k), xmlEscape(m[k]))
		}
	}
	for _, n := range f.nodes {
		fmt.Fprintf(&b, "  <node id=\"%d\" lat=\"%.7f\" lon=\"%.7f\" version=\"1\" visible=\"true\">\n", n.id, n.lat, n.lon)
		tags(n.tags)
		b.WriteString("  </node>\n")
	}
	for _, w := range f.ways {
		fmt.Fprintf(&b, "  <way id=\"%d\" version=\"1\" visible=\"true\">\n", w.id)
		for _, n := range w.nodes {
			fmt.Fprintf(&b, "    <nd ref=\"%d\"/>\n", n)
		}
		tags(w.tags)
		b.WriteString("  </way>\n")
	}
	for _, r := range f.rels {
		fmt.Fprintf(&b, "  <relation id=\"%d\" version=\"1\" visible=\"true\">\n", r.id)
		for _, m := range r.members {
			fmt.Fprintf(&b, "    <member type=%q ref=\"%d\" role=%q/>\n", m.typ, m.ref, m.role)
		}
		tags(r.tags)
		b.WriteString("  </relation>\n")
	}
	b.WriteString("</osm>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pbfWriter streams elements into a .osm.pbf file: nodes first, then ways,
// then relations, as the format's readers expect.
type pbfWriter struct {
	w       *bufio.Writer
	f       *os.File
	kind    int // 0 nodes, 1 ways, 2 relations
	nodes   []fnode
	ways    []fway
	rels    []frel
	written int64
}

const pbfBlockSize = 8000

func createPBF(path string) (*pbfWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	p := &pbfWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	var hb []byte
	for _, feat := range []string{"OsmSchema-V0.6", "DenseNodes"} {
		hb = protowire.AppendTag(hb, 4, protowire.BytesType)
		hb = protowire.AppendString(hb, feat)
	}
	hb = protowire.AppendTag(hb, 16, protowire.BytesType)
	hb = protowire.AppendString(hb, "floodcmd test writer")
	return p, p.blob("OSMHeader", hb)
}

func (p *pbfWriter) node(n fnode) error {
	p.nodes = append(p.nodes, n)
	if len(p.nodes) == pbfBlockSize {
		return p.flush()
	}
	return nil
}

func (p *pbfWriter) way(w fway) error {
	if len(p.nodes) > 0 {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.ways = append(p.ways, w)
	if len(p.ways) == pbfBlockSize {
		return p.flush()
	}
	return nil
}

func (p *pbfWriter) rel(r frel) error {
	if len(p.nodes) > 0 || len(p.ways) > 0 {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.rels = append(p.rels, r)
	if len(p.rels) == pbfBlockSize {
		return p.flush()
	}
	return nil
}

// stringTable interns strings; index 0 is the empty string by the format's rule.
type stringTable struct {
	idx  map[string]uint32
	list []string
}

func (s *stringTable) id(v string) uint32 {
	if s.idx == nil {
		s.idx, s.list = map[string]uint32{"": 0}, []string{""}
	}
	if i, ok := s.idx[v]; ok {
		return i
	}
	i := uint32(len(s.list))
	s.idx[v] = i
	s.list = append(s.list, v)
	return i
}

func packed(vals []uint64) []byte {
	var b []byte
	for _, v := range vals {
		b = protowire.AppendVarint(b, v)
	}
	return b
}

func zig(v int64) uint64 { return protowire.EncodeZigZag(v) }

func (p *pbfWriter) flush() error {
	var st stringTable
	var group []byte
	switch {
	case len(p.nodes) > 0:
		var ids, lats, lons, kv []uint64
		var pid, plat, plon int64
		for _, n := range p.nodes {
			lat, lon := int64(math.Round(n.lat*1e7)), int64(math.Round(n.lon*1e7))
			ids, lats, lons = append(ids, zig(n.id-pid)), append(lats, zig(lat-plat)), append(lons, zig(lon-plon))
			pid, plat, plon = n.id, lat, lon
			for _, k := range sortedKeys(n.tags) {
				kv = append(kv, uint64(st.id(k)), uint64(st.id(n.tags[k])))
			}
			kv = append(kv, 0)
		}
		var dense []byte
		for _, f := range []struct {
			num  protowire.Number
			vals []uint64
		}{{1, ids}, {8, lats}, {9, lons}, {10, kv}} {
			dense = protowire.AppendTag(dense, f.num, protowire.BytesType)
			dense = protowire.AppendBytes(dense, packed(f.vals))
		}
		group = protowire.AppendTag(group, 2, protowire.BytesType)
		group = protowire.AppendBytes(group, dense)
	case len(p.ways) > 0:
		for _, w := range p.ways {
			var keys, vals, refs []uint64
			for _, k := range sortedKeys(w.tags) {
				keys, vals = append(keys, uint64(st.id(k))), append(vals, uint64(st.id(w.tags[k])))
			}
			var prev int64
			for _, n := range w.nodes {
				refs = append(refs, zig(n-prev))
				prev = n
			}
			var wb []byte
			wb = protowire.AppendTag(wb, 1, protowire.VarintType)
			wb = protowire.AppendVarint(wb, uint64(w.id))
			for _, f := range []struct {
				num  protowire.Number
				vals []uint64
			}{{2, keys}, {3, vals}, {8, refs}} {
				wb = protowire.AppendTag(wb, f.num, protowire.BytesType)
				wb = protowire.AppendBytes(wb, packed(f.vals))
			}
			group = protowire.AppendTag(group, 3, protowire.BytesType)
			group = protowire.AppendBytes(group, wb)
		}
	case len(p.rels) > 0:
		for _, r := range p.rels {
			var keys, vals, roles, mems, types []uint64
			for _, k := range sortedKeys(r.tags) {
				keys, vals = append(keys, uint64(st.id(k))), append(vals, uint64(st.id(r.tags[k])))
			}
			var prev int64
			for _, m := range r.members {
				roles = append(roles, uint64(st.id(m.role)))
				mems = append(mems, zig(m.ref-prev))
				prev = m.ref
				types = append(types, map[string]uint64{"node": 0, "way": 1, "relation": 2}[m.typ])
			}
			var rb []byte
			rb = protowire.AppendTag(rb, 1, protowire.VarintType)
			rb = protowire.AppendVarint(rb, uint64(r.id))
			for _, f := range []struct {
				num  protowire.Number
				vals []uint64
			}{{2, keys}, {3, vals}, {8, roles}, {9, mems}, {10, types}} {
				rb = protowire.AppendTag(rb, f.num, protowire.BytesType)
				rb = protowire.AppendBytes(rb, packed(f.vals))
			}
			group = protowire.AppendTag(group, 4, protowire.BytesType)
			group = protowire.AppendBytes(group, rb)
		}
	default:
		return nil
	}
	p.nodes, p.ways, p.rels = p.nodes[:0], p.ways[:0], p.rels[:0]
	var stb []byte
	for _, s := range st.list {
		stb = protowire.AppendTag(stb, 1, protowire.BytesType)
		stb = protowire.AppendString(stb, s)
	}
	var block []byte
	block = protowire.AppendTag(block, 1, protowire.BytesType)
	block = protowire.AppendBytes(block, stb)
	block = protowire.AppendTag(block, 2, protowire.BytesType)
	block = protowire.AppendBytes(block, group)
	block = protowire.AppendTag(block, 17, protowire.VarintType)
	block = protowire.AppendVarint(block, 100)
	return p.blob("OSMData", block)
}

// blob writes one length-prefixed BlobHeader and its zlib-compressed Blob.
func (p *pbfWriter) blob(typ string, data []byte) error {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zw.Write(data)
	zw.Close()
	var blob []byte
	blob = protowire.AppendTag(blob, 2, protowire.VarintType)
	blob = protowire.AppendVarint(blob, uint64(len(data)))
	blob = protowire.AppendTag(blob, 3, protowire.BytesType)
	blob = protowire.AppendBytes(blob, z.Bytes())
	var hdr []byte
	hdr = protowire.AppendTag(hdr, 1, protowire.BytesType)
	hdr = protowire.AppendString(hdr, typ)
	hdr = protowire.AppendTag(hdr, 3, protowire.VarintType)
	hdr = protowire.AppendVarint(hdr, uint64(len(blob)))
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(hdr)))
	for _, b := range [][]byte{size[:], hdr, blob} {
		if _, err := p.w.Write(b); err != nil {
			return err
		}
	}
	p.written += int64(4 + len(hdr) + len(blob))
	return nil
}

func (p *pbfWriter) close() error {
	if err := p.flush(); err != nil {
		p.f.Close()
		return err
	}
	if err := p.w.Flush(); err != nil {
		p.f.Close()
		return err
	}
	return p.f.Close()
}

// writePBF writes the whole fixture as .osm.pbf.
func (f *fixture) writePBF(path string) error {
	p, err := createPBF(path)
	if err != nil {
		return err
	}
	for _, n := range f.nodes {
		if err := p.node(n); err != nil {
			return err
		}
	}
	for _, w := range f.ways {
		if err := p.way(w); err != nil {
			return err
		}
	}
	for _, r := range f.rels {
		if err := p.rel(r); err != nil {
			return err
		}
	}
	return p.close()
}

var _ io.Writer = (*bufio.Writer)(nil)
