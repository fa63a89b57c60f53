package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
)

// Duhu's outline (km from 22.08 N 112.90 E), scaled to 151 km²; the straight
// east side faces the Huangmao estuary (黄茅海).
var duhuOutline = poly{{-7.0, -1.5}, {-4.5, -6.0}, {0.5, -7.2}, {5.0, -6.0}, {7.2, -2.0}, {6.8, 3.0}, {4.0, 6.2}, {-1.0, 7.0}, {-6.5, 5.5}}

func duhuScale() float64 { return math.Sqrt(151 / duhuOutline.area()) }

func buildDuhu() *town {
	k := duhuScale()
	v := func(id, name, nameEn string, x, y, w float64, real bool, subs ...subDef) villageDef {
		return villageDef{id: id, name: name, nameEn: nameEn, seed: pt{x, y}.mul(k), weight: w, real: real, subs: subs}
	}
	s := func(id, name, nameEn string, dx, dy float64, real bool) subDef {
		return subDef{id: id, name: name, nameEn: nameEn, off: pt{dx, dy}, real: real}
	}
	cfg := townCfg{
		id: "duhu", name: "都斛镇", nameEn: "Duhu", code: "440781107", population: 51000, households: 15000,
		boundary: duhuOutline.scale(k), spacing: 0.25, dropV: 0.35, coastX: 5.6 * k, oneways: 4, seed: 20220512, roadPrefix: "r-",
		villages: []villageDef{
			v("duhuxu", "都斛圩", "Duhuxu", 0, 0, 7, true,
				s("duhuxu-east", "都斛圩东片", "Duhuxu east", 0.8, 0.1, false),
				s("duhuxu-west", "都斛圩西片", "Duhuxu west", -0.8, -0.1, false)),
			v("nancun", "南村", "Nancun", 1.5, -3.2, 3, true,
				s("nancun-yangning", "阳宁", "Yangning", 0.5, -0.6, true),
				s("nancun-centre", "南村中心片", "Nancun centre", -0.5, 0.6, false)),
			v("longhe", "龙和", "Longhe", 3.5, 2.8, 3.2, true,
				s("longhe-songshan", "松山", "Songshan", 0.9, 0.3, true),
				s("longhe-hening", "和宁", "Hening", -0.2, -0.9, true),
				s("longhe-north", "龙和北片", "Longhe north", -0.7, 0.6, false)),
			v("dagang", "大纲", "Dagang", 4.8, -1.0, 2.8, true,
				s("dagang-hetang", "大纲荷塘片", "Dagang lotus pond", 0.6, -0.6, false),
				s("dagang-north", "大纲北片", "Dagang north", -0.6, 0.6, false)),
			v("yuanmei", "园美村", "Yuanmei", -3.0, 3.2, 2.6, true,
				s("yuanmei-north", "园美北片", "Yuanmei north", 0, 0.8, false),
				s("yuanmei-south", "园美南片", "Yuanmei south", 0, -0.8, false)),
			v("shencun", "莘村", "Shencun", -3.6, -1.6, 2.6, true,
				s("shencun-east", "莘村东片", "Shencun east", 0.8, 0, false),
				s("shencun-west", "莘村西片", "Shencun west", -0.8, 0, false)),
			v("nankeng", "南坑村", "Nankeng", -5.6, 1.0, 1.8, false),
			v("beifeng", "北峰村", "Beifeng", -0.8, 5.4, 2.0, false),
			v("nanfeng", "南峰村", "Nanfeng", -0.8, -5.6, 2.0, false),
			v("donghai", "东海村", "Donghai", 6.2, 1.5, 2.4, false,
				s("donghai-north", "东海北片", "Donghai north", 0, 0.8, false),
				s("donghai-south", "东海南片", "Donghai south", 0, -0.8, false)),
			v("haibin", "海滨村", "Haibin", 4.8, -4.5, 2.3, false),
			v("xincun", "新村", "Xincun", 1.0, 2.8, 2.4, false),
			v("shadi", "沙堤村", "Shadi", 2.6, -0.6, 2.5, false),
			v("tangmei", "塘美村", "Tangmei", -1.8, -2.8, 2.2, false),
			v("lianan", "联安村", "Lian'an", -4.2, -4.6, 1.9, false),
			v("datang", "大塘村", "Datang", -4.4, 4.8, 1.8, false),
			v("shangping", "上坪村", "Shangping", 2.8, 5.4, 2.0, false),
			v("xiaping", "下坪村", "Xiaping", 2.2, -6.0, 1.9, false),
		},
		trunks: []trunkDef{
			// 台赤: from the north (towards Taicheng) down through the town seat,
			// then south-east to the Chixi boundary.
			{name: "台赤公路", nameEn: "Taichi Road", way: [][2]int{{4, 0}, {-12, 0}, {-12, 10}, {-16, 10}}, extendStart: true, extendEnd: true},
			// 台井: west–east through the town seat.
			{name: "台井公路", nameEn: "Taijing Road", way: [][2]int{{0, -4}, {0, 4}}, extendStart: true, extendEnd: true},
		},
		rivers: []riverDef{
			{"duhu-river", "都斛河", "Duhu River", "river", kmLine(k, -5.9, 2.4, -4.5, 2.0, -2.5, 1.4, -0.8, 0.8, 0.8, 0.7, 2.8, 1.0, 4.8, 0.6, 6.8, 0.4), true},
			{"ch-nancun", "南村排水渠", "Nancun drain", "channel", kmLine(k, 1.2, 0.6, 1.6, -2.0, 1.9, -4.6), false},
			{"ch-longhe", "龙和排洪渠", "Longhe flood channel", "channel", kmLine(k, 2.4, 4.9, 2.9, 3.0, 3.3, 1.0), false},
			{"ch-east", "东部排灌渠", "East irrigation drain", "channel", kmLine(k, 5.2, 4.0, 5.6, 1.0, 5.5, -3.5), false},
			{"ch-dagang-hetang", "大纲荷塘水渠", "Dagang lotus-pond channel", "channel", kmLine(k, 4.0, -0.6, 4.8, -1.3, 5.5, -2.0), true},
			{"ch-west", "西部排水渠", "West drain", "channel", kmLine(k, -3.5, -4.5, -2.5, -1.5, -2.3, 1.3), false},
		},
	}
	t := &town{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.seed, 1))}
	t.build()
	return t
}

func kmLine(k float64, xy ...float64) []pt {
	var out []pt
	for i := 0; i+1 < len(xy); i += 2 {
		out = append(out, pt{xy[i], xy[i+1]}.mul(k))
	}
	return out
}

func townFeature(id, name, nameEn, code string, p poly) feature {
	return polyF(p, props(id, "town", name, nameEn, "code", code))
}

func writeDuhu(t, chixi *town, dir string) {
	k := duhuScale()
	rng := rand.New(rand.NewPCG(7, 7))
	D := t.cfg.boundary
	var shelters []feature
	shelter := func(id, name, nameEn, kind string, at pt, day, night int) {
		p := t.nearestNode(at)
		shelters = append(shelters, pointF(p, props(id, "shelter", name, nameEn, "shelter_kind", kind,
			"village", t.villageAt(p).id, "capacity_day", day, "capacity_night", night)))
	}
	for _, v := range t.cfg.villages {
		at, day := v.seed, 150+10*rng.IntN(16)
		name, nameEn := v.name+"村委会", v.nameEn+" village committee"
		switch v.id {
		case "duhuxu":
			name, nameEn = "都斛圩社区居委会", "Duhuxu community committee"
		case "nancun":
			// 12 May 2022: 150 people moved here within an hour (the article)
			at, day = t.gridByID("nancun-yangning").cell.centroid(), 240
			name, nameEn = "南村村委会（阳宁）", "Nancun village committee (Yangning)"
		}
		shelter("vc-"+v.id, name, nameEn, "village_committee", at, day, day*4/5)
	}
	shelter("town-hall", "都斛镇人民政府", "Duhu town government", "town_hall", pt{0.3, 0.25}, 300, 250)
	shelter("school-duhu-middle", "都斛中学", "Duhu Middle School", "school", pt{-0.6, -0.5}, 600, 500)
	shelter("school-duhu-central", "都斛镇中心小学", "Duhu Central Primary School", "school", pt{0.6, -0.8}, 400, 350)
	shelter("school-dagang", "大纲小学", "Dagang Primary School", "school", pt{5.3, -0.7}.mul(k), 250, 200)
	shelter("school-longhe", "龙和小学", "Longhe Primary School", "school", pt{3.1, 2.4}.mul(k), 250, 200)
	shelter("school-shencun", "莘村小学", "Shencun Primary School", "school", pt{-3.2, -1.9}.mul(k), 250, 200)

	reservoir := pt{-6.0, 2.5}.mul(k)
	gauges := []feature{
		pointF(reservoir, props("nankeng-reservoir", "gauge", "南坑水库水位站", "Nankeng reservoir level", "gauge_kind", "reservoir",
			"village", t.villageAt(reservoir).id, "warning_m", 32.0, "danger_m", 34.5)),
		pointF(reservoir.add(pt{0.1, 0.1}), props("rain-nankeng", "gauge", "南坑水库雨量站", "Nankeng reservoir rain", "gauge_kind", "rain",
			"village", t.villageAt(reservoir).id)),
	}
	riverGauge := pt{0.0, 0.75}.mul(k)
	gauges = append(gauges, pointF(riverGauge, props("duhu-river-seat", "gauge", "都斛河都斛圩水位站", "Duhu River at the town seat",
		"gauge_kind", "river", "village", t.villageAt(riverGauge).id, "warning_m", 2.8, "danger_m", 3.6)))
	for _, id := range []string{"duhuxu", "nancun", "longhe", "dagang", "yuanmei", "shencun", "beifeng", "haibin", "lianan", "shangping", "donghai"} {
		for _, v := range t.cfg.villages {
			if v.id == id {
				p := v.seed.add(pt{0.15, 0.15})
				gauges = append(gauges, pointF(p, props("rain-"+id, "gauge", v.name+"雨量站", v.nameEn+" rain", "gauge_kind", "rain", "village", t.villageAt(p).id)))
			}
		}
	}

	var hazards []feature
	for i, off := range []pt{{0.15, 0.1}, {-0.15, 0.05}, {0.05, -0.2}} {
		p := t.gridByID("longhe-songshan").cell.centroid().add(off)
		hazards = append(hazards, pointF(p, props(fmt.Sprintf("house-songshan-%d", i+1), "hazard", fmt.Sprintf("松山危旧房%d", i+1),
			fmt.Sprintf("Songshan dangerous old house %d", i+1), "hazard_kind", "dangerous_house", "village", "longhe")))
	}
	for i, off := range []pt{{0.1, 0.12}, {-0.12, -0.1}} {
		p := t.gridByID("longhe-hening").cell.centroid().add(off)
		hazards = append(hazards, pointF(p, props(fmt.Sprintf("house-hening-%d", i+1), "hazard", fmt.Sprintf("和宁危旧房%d", i+1),
			fmt.Sprintf("Hening dangerous old house %d", i+1), "hazard_kind", "dangerous_house", "village", "longhe")))
	}
	low := 0
	for _, r := range t.roads {
		if r.low && r.class != "track" && low < 6 {
			low++
			hazards = append(hazards, lineF(r.line, props("lowroad-"+r.id, "hazard", r.name+"低洼路段", r.nameEn+" low-lying section",
				"hazard_kind", "low_lying_road", "village", t.villageAt(r.line[len(r.line)/2]).id, "road", r.id)))
		}
	}
	hazards = append(hazards, pointF(reservoir, props("dam-nankeng", "hazard", "南坑水库大坝", "Nankeng reservoir dam",
		"hazard_kind", "reservoir", "village", t.villageAt(reservoir).id, "name_real", true)))
	dike := []pt{D[3].mul(0.98), D[4].mul(0.98), D[5].mul(0.98), D[6].mul(0.98)}
	hazards = append(hazards, lineF(dike, props("seawall-east", "hazard", "都斛海堤", "Duhu sea dike", "hazard_kind", "dike")))

	cx := chixi.cfg.boundary
	neighbours := []feature{
		townFeature("chixi", "赤溪镇", "Chixi", "440781108", cx),
		townFeature("doushan", "斗山镇", "Doushan", "440781106", poly{D[1], pt{-9.0, -6.5}, pt{-12.0, 1.0}, pt{-10.5, 8.0}, pt{-5.0, 9.0}, D[8], D[0]}),
		townFeature("chonglou", "冲蒌镇", "Chonglou", "440781105", poly{D[8], pt{-5.0, 9.0}, pt{-3.5, 14.0}, pt{3.0, 14.5}, pt{6.0, 10.0}, D[6], D[7]}),
	}
	t.write(dir, neighbours, shelters, gauges, hazards)
	writeDuhuRoster(t, filepath.Join(dir, "roster.csv"))
}

func writeDuhuRoster(t *town, path string) {
	r := &roster{rng: rand.New(rand.NewPCG(55, 94))}
	seat := t.cfg.villages[0].seed
	teams := []struct {
		team, en, caps string
		n, reserve     int
	}{
		{"镇民兵应急分队", "Town militia squad", "evacuation|rescue|patrol", 15, 2},
		{"都斛派出所", "Duhu police station", "traffic|patrol|evacuation", 6, 0},
		{"都斛卫生院", "Duhu health centre", "medical|evacuation", 6, 0},
		{"机械抢险队（挖掘机）", "Machinery team (excavators)", "machinery|drainage", 6, 0},
		{"冲锋舟救援队", "Rescue boat team", "rescue_boat|rescue|evacuation", 8, 1},
		{"排涝抢险队", "Drainage team", "drainage|pump", 8, 2},
		{"镇驻村干部", "Town cadres", "command|evacuation", 6, 0},
	}
	n := 0
	for _, tm := range teams {
		for i := 0; i < tm.n; i++ {
			n++
			home := t.home(r.rng, seat, 1.2, "")
			vill := t.villageAt(pt{(home[0] - lon0) * kmLon, (home[1] - lat0) * kmLat}).id
			r.add(fmt.Sprintf("t-%03d", n), fmt.Sprintf("%s %d", tm.en, i+1), "town", vill, tm.team, tm.caps, home, i >= tm.n-tm.reserve)
		}
	}
	// village squads: 5 each, 6 in the four most populous villages (94 in all)
	type vp struct {
		id  string
		pop int
	}
	var vps []vp
	for _, v := range t.cfg.villages {
		p := 0
		for _, g := range t.grids {
			if g.village == v.id {
				p += g.pop
			}
		}
		vps = append(vps, vp{v.id, p})
	}
	sort.SliceStable(vps, func(i, j int) bool { return vps[i].pop > vps[j].pop })
	six := map[string]bool{}
	for _, x := range vps[:4] {
		six[x.id] = true
	}
	for _, v := range t.cfg.villages {
		size := 5
		if six[v.id] {
			size = 6
		}
		low := 0.0
		for _, g := range t.grids {
			if g.village == v.id {
				low = math.Max(low, g.low)
			}
		}
		for i := 1; i <= size; i++ {
			en, caps := "grid worker", "evacuation|patrol"
			switch {
			case i == 1:
				en, caps = "grid chief", "evacuation|patrol|command"
			case i == size:
				en, caps = "militia", "evacuation|patrol|rescue"
			case i == 2 && low >= 0.4:
				caps = "evacuation|patrol|drainage"
			}
			home := t.home(r.rng, v.seed, 1.5, v.id)
			r.add(fmt.Sprintf("v-%s-%d", v.id, i), fmt.Sprintf("%s %s %d", v.nameEn, en, i), "village", v.id,
				v.name+"应急分队", caps, home, false)
		}
	}
	r.write(path)
}

func buildChixi(duhu *town) *town {
	D := duhu.cfg.boundary
	// the Taichi road leaves Duhu on the shared edge D2–D3
	var start pt
	for name, p := range duhu.ends {
		if name == "Taichi Road end" {
			start = p
		}
	}
	cfg := townCfg{
		id: "chixi", name: "赤溪镇", nameEn: "Chixi", code: "440781108", population: 31000, households: 9100,
		boundary: poly{D[2], {2.0, -13.0}, {6.0, -15.5}, {9.5, -12.5}, {9.0, -8.0}, D[3]},
		spacing:  0.4, dropV: 0.3, coastX: 8.0, oneways: 0, seed: 570, roadPrefix: "cx-r-",
		villages: []villageDef{
			{id: "chixixu", name: "赤溪圩", nameEn: "Chixixu", seed: pt{6.0, -11.5}, weight: 3},
			{id: "tiantou", name: "田头村", nameEn: "Tiantou", seed: pt{3.5, -10.0}, weight: 2},
			{id: "caochong", name: "曹冲村", nameEn: "Caochong", seed: pt{7.0, -14.0}, weight: 2},
			{id: "chongkou", name: "冲口村", nameEn: "Chongkou", seed: pt{7.8, -9.2}, weight: 2},
		},
		rivers: []riverDef{{"chixi-channel", "赤溪排洪渠", "Chixi flood channel", "channel", []pt{{4.0, -8.5}, {5.5, -11.0}, {8.8, -12.0}}, false}},
	}
	t := &town{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.seed, 2))}
	// the lattice node nearest to the boundary point, then down to the seat row and across
	s := cfg.spacing
	j0 := int(math.Round(start.X / s))
	i0 := int(math.Round(start.Y/s)) - 1
	iSeat, jSeat := int(math.Round(-11.5/s)), int(math.Round(6.0/s))
	t.cfg.trunks = []trunkDef{{name: "台赤公路", nameEn: "Taichi Road", way: [][2]int{{i0, j0}, {iSeat, j0}, {iSeat, jSeat}}, startAt: &start}}
	t.build()
	return t
}

func writeChixi(t, duhu *town, dir string) {
	rng := rand.New(rand.NewPCG(8, 8))
	var shelters []feature
	for _, v := range t.cfg.villages {
		p := t.nearestNode(v.seed)
		day := 150 + 10*rng.IntN(10)
		shelters = append(shelters, pointF(p, props("vc-"+v.id, "shelter", v.name+"村委会", v.nameEn+" village committee",
			"shelter_kind", "village_committee", "village", v.id, "capacity_day", day, "capacity_night", day*4/5)))
	}
	sp := t.nearestNode(pt{5.6, -11.8})
	shelters = append(shelters, pointF(sp, props("school-chixi-middle", "shelter", "赤溪中学", "Chixi Middle School",
		"shelter_kind", "school", "village", t.villageAt(sp).id, "capacity_day", 500, "capacity_night", 400)))
	g := pt{6.15, -11.35}
	gauges := []feature{pointF(g, props("rain-chixixu", "gauge", "赤溪圩雨量站", "Chixixu rain", "gauge_kind", "rain", "village", t.villageAt(g).id))}
	B := t.cfg.boundary
	hazards := []feature{lineF([]pt{B[3].mul(0.97), B[4].mul(0.97)}, props("chixi-seawall", "hazard", "赤溪海堤", "Chixi sea dike", "hazard_kind", "dike"))}
	neighbours := []feature{townFeature("duhu", "都斛镇", "Duhu", "440781107", duhu.cfg.boundary)}
	t.write(dir, neighbours, shelters, gauges, hazards)

	r := &roster{rng: rand.New(rand.NewPCG(15, 15))}
	seat := t.cfg.villages[0].seed
	for i := 1; i <= 8; i++ {
		caps, team, en := "evacuation|rescue|patrol", "赤溪镇民兵应急分队", "Chixi militia"
		if i > 5 {
			caps, team, en = "rescue_boat|rescue|evacuation", "赤溪冲锋舟救援队", "Chixi rescue boat"
		}
		home := t.home(r.rng, seat, 1.0, "")
		r.add(fmt.Sprintf("t-%03d", i), fmt.Sprintf("%s %d", en, i), "town", t.villageAt(pt{(home[0] - lon0) * kmLon, (home[1] - lat0) * kmLat}).id,
			team, caps, home, i == 8)
	}
	n := 0
	for _, v := range t.cfg.villages {
		for i := 1; i <= 2; i++ {
			if n == 7 {
				break
			}
			n++
			caps := "evacuation|patrol"
			if i == 1 {
				caps = "evacuation|patrol|command"
			}
			home := t.home(r.rng, v.seed, 1.2, v.id)
			r.add(fmt.Sprintf("v-%s-%d", v.id, i), fmt.Sprintf("%s grid worker %d", v.nameEn, i), "village", v.id, v.name+"应急分队", caps, home, false)
		}
	}
	r.write(filepath.Join(dir, "roster.csv"))
}
