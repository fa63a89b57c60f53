// i18n: Chinese first, English on request; the choice is kept in localStorage.
const table = {
  title: ['三防应急指挥', 'Flood command'],
  live: ['实时', 'live'], offline: ['离线，重连中…', 'offline, reconnecting…'], connecting: ['连接中…', 'connecting…'],
  drill: ['演练 DRILL — 非真实事件', 'DRILL / 演练 — not a real emergency'],
  incidents: ['事件队列', 'Incident queue'], responders: ['救援力量', 'Responders'], shelters: ['避难场所', 'Shelters'],
  evacuation: ['转移人数', 'Evacuation'], rainfall: ['雨量水位', 'Rain and levels'], aid: ['跨镇支援', 'Mutual aid'],
  timeline: ['事件流', 'Timeline'], rejections: ['被拒绝的消息', 'Rejected messages'],
  priority: ['优先级', 'priority'], people: ['人数', 'people'], needs: ['需求', 'needs'], met: ['已满足', 'met'], open: ['待派', 'open'],
  reason: ['理由', 'reason'], resolve: ['办结', 'Resolve'], reassign: ['改派', 'Override'], approve: ['确认', 'Approve'],
  close_road: ['封闭道路', 'Close road'], open_road: ['开放道路', 'Open road'], new_incident: ['新建事件', 'New incident'],
  kind: ['类型', 'kind'], severity: ['严重程度', 'severity'], note: ['备注', 'note'], submit: ['提交', 'Submit'], cancel: ['取消', 'Cancel'],
  responder: ['救援人员', 'responder'], assignment: ['任务', 'assignment'], road: ['道路', 'road'], closed: ['已封闭', 'closed'],
  depth: ['水深', 'depth'], none: ['暂无', 'none'], capacity: ['容量', 'capacity'], town: ['镇级', 'town'], village: ['村级', 'village'],
  click_map: ['点击地图新建事件，点击道路封闭/开放', 'Click the map to report an incident, a road to close/open it'],
  sent: ['已提交', 'sent'], no_assignment: ['暂无任务，待命中', 'No assignment: standing by'],
  report: ['报告新事件', 'Report an incident'], my_position: ['使用我的位置', 'use my position'], tap_map: ['或在地图上点选位置', 'or tap the map'],
  route: ['路线', 'route'], eta: ['预计', 'ETA'], minutes: ['分钟', 'min'], km: ['公里', 'km'],
  accept: ['接受', 'Accept'], decline: ['拒绝', 'Decline'], en_route: ['出发', 'En route'], on_scene: ['到达现场', 'On scene'], done: ['完成', 'Done'],
  status: ['状态', 'status'], logout: ['退出', 'log out'], viewer_note: ['只读', 'read-only'], position: ['位置', 'position'],
  // statuses
  st_available: ['待命', 'available'], st_accepted: ['已接受', 'accepted'], st_declined: ['已拒绝', 'declined'],
  st_en_route: ['途中', 'en route'], st_on_scene: ['在现场', 'on scene'], st_done: ['已完成', 'done'], st_off_duty: ['休息', 'off duty'],
  st_proposed: ['待确认', 'proposed'], st_assigned: ['已派', 'assigned'], st_open: ['待处置', 'open'], st_resolved: ['已办结', 'resolved'],
  st_cancelled: ['已取消', 'cancelled'], st_timed_out: ['超时', 'timed out'], st_no_answer: ['未应答', 'no answer'],
  st_busy: ['执行中', 'busy'], st_evacuating: ['转移中', 'evacuating'], st_ordered: ['已下令', 'ordered'],
  // incident kinds
  k_flooding: ['内涝', 'flooding'], k_trapped: ['被困', 'trapped'], k_evacuation: ['转移', 'evacuation'],
  k_blocked_channel: ['河道堵塞', 'blocked channel'], k_dangerous_house: ['危房', 'dangerous house'], k_landslide: ['山体滑坡', 'landslide'],
  k_road_flooded: ['道路积水', 'road flooded'], k_dike_breach: ['堤围险情', 'dike breach'], k_reservoir: ['水库险情', 'reservoir'], k_other: ['其他', 'other'],
  warnings: ['预警与建议', 'Warnings and proposals'], proposal: ['建议', 'proposal'], dismiss: ['不采纳', 'Dismiss'],
  grid: ['网格', 'grid'], ordered: ['应转移', 'ordered'], at_shelter: ['已安置', 'sheltered'], moving: ['转移中', 'moving'],
  staying: ['留守', 'staying'], unaccounted: ['未落实', 'unaccounted'], best_hour: ['单小时最多转移', 'best hour'], headcount: ['按人数', 'head count'],
  a_evacuate: ['转移', 'evacuate'], a_preposition: ['预置力量', 'pre-position'], a_patrol_incident: ['巡查', 'patrol'],
  st_to_notify: ['待通知', 'to notify'], st_notified: ['已通知', 'notified'], st_moving: ['转移中', 'moving'], st_at_shelter: ['已安置', 'at shelter'],
  st_staying: ['留守', 'staying'], st_unaccounted: ['未落实', 'unaccounted'], st_returned: ['已返回', 'returned'], st_lent: ['外援中', 'lent'],
  us: ['本镇', 'us'], committed: ['已派出', 'committed'], release: ['归建', 'Send home'], count: ['人数', 'count'],
  aid_pending: ['待处理', 'pending'], aid_requested: ['待批准', 'requested'], aid_responded: ['已答复', 'responded'],
  aid_committed: ['已派出', 'committed'], aid_deployed: ['已到位', 'deployed'], aid_released: ['已归建', 'sent home'], aid_declined: ['已婉拒', 'declined'],
  polygon: ['划定区域', 'drawn area'],
  order_evacuation: ['下达转移令', 'Order evacuation'], level: ['级别', 'level'], mandatory: ['强制转移', 'mandatory'],
  advisory: ['建议转移', 'advisory'], low_lying: ['低洼', 'low-lying'], on_the_way: ['途中', 'on the way'],
  close_shelter: ['关闭', 'close'], open_shelter: ['开放', 'open'],
  // warning levels
  w_blue: ['蓝色', 'blue'], w_yellow: ['黄色', 'yellow'], w_orange: ['橙色', 'orange'], w_red: ['红色', 'red'], w_: ['无', 'none'],
  // capabilities of the roster
  c_evacuation: ['转移', 'evacuation'], c_patrol: ['巡查', 'patrol'], c_rescue: ['救援', 'rescue'], c_drainage: ['排涝', 'drainage'],
  c_command: ['指挥', 'command'], c_rescue_boat: ['冲锋舟', 'rescue boat'], c_pump: ['抽水泵', 'pump'], c_traffic: ['交通管制', 'traffic'],
  c_medical: ['医疗', 'medical'], c_machinery: ['机械', 'machinery'], c_escort: ['护送', 'escort'],
  // tiers
  tier_town: ['镇级', 'town'], tier_village: ['村级', 'village'], tier_reserve: ['预备队', 'reserve'], tier_guest: ['外援', 'guest'],
  // map features
  f_town: ['镇界', 'town'], f_neighbour: ['邻镇', 'neighbouring town'], f_village: ['村（社区）', 'village'], f_grid: ['网格', 'grid'],
  f_road: ['道路', 'roads'], f_river: ['河流', 'rivers'], f_hazard: ['隐患点', 'hazards'], f_shelter: ['避难场所', 'shelters'],
  f_gauge: ['雨量水位站', 'gauges'], f_responder: ['待命力量', 'responders standing by'], f_crew: ['执行任务力量', 'responders at work'], f_incident: ['事件', 'incidents'],
  sk_village_committee: ['村委会', 'village committee'], sk_school: ['学校', 'school'], sk_town_hall: ['镇政府', 'town hall'],
  hk_low_lying_road: ['低洼路段', 'low-lying road'], hk_dangerous_house: ['危房', 'dangerous house'], hk_reservoir: ['水库', 'reservoir'], hk_dike: ['堤围', 'dike'],
  rc_trunk: ['干线公路', 'trunk road'], rc_secondary: ['县道', 'secondary road'], rc_tertiary: ['乡道', 'tertiary road'], rc_track: ['村道', 'track'],
  gk_rain: ['雨量站', 'rain gauge'], gk_river: ['河道水位站', 'river level'], gk_reservoir: ['水库水位站', 'reservoir level'],
  population: ['人口', 'population'], households: ['户数', 'households'], speed: ['限速', 'speed'], value: ['读数', 'reading'],
  threshold: ['警戒', 'threshold'], warning_m: ['警戒水位', 'warning level'], danger_m: ['危险水位', 'danger level'],
  occupancy: ['已安置', 'occupancy'], over_capacity: ['超员', 'over capacity by'], closed_inside: ['已关闭，仍有人员在内，请转移', 'closed with people inside: move them on'], team: ['队伍', 'team'], capabilities: ['能力', 'capabilities'], tier: ['层级', 'tier'],
  last_reading: ['最近读数', 'last reading'], open_now: ['开放', 'open'], depth_now: ['积水', 'under water'],
  role_operator: ['值班员', 'operator'], role_viewer: ['只读', 'viewer'], role_partner: ['友邻镇', 'partner town'], role_responder: ['救援人员', 'responder'],
  persons: ['人', ' people'], reported: ['报告时间', 'reported'], capacity_dn: ['容量（白天/夜间）', 'capacity (day/night)'],
  zoom_in: ['放大', 'Zoom in'], zoom_out: ['缩小', 'Zoom out'], legend: ['图例', 'Legend'], reset_view: ['复位', 'Reset view'], mode_select: ['选择', 'Select'], mode_incident: ['报事件', 'Report incident'],
  mode_road: ['封路', 'Close road'], mode_polygon: ['画转移区', 'Draw evacuation area'], mode_grids: ['选网格', 'Pick grids'],
  hint_select: ['点击地图要素查看详情', 'Click a feature for its details'],
  hint_incident: ['点击地图上事件发生的位置', 'Click where the incident is'],
  hint_road: ['点击要封闭或开放的道路', 'Click the road to close or open'],
  hint_polygon: ['逐点点击划定区域，双击或按“完成”结束', 'Click the corners; double-click or press Finish'],
  hint_grids: ['点击网格选中或取消，然后下达转移令', 'Click grids to pick them, then order the evacuation'],
  finish: ['完成', 'Finish'], clear: ['清除', 'Clear'], picked: ['已选', 'picked'], total: ['合计', 'total'],
  no_road_here: ['此处没有道路，请点在道路上', 'No road here: click on a road'],
  // urgent block and clock
  urgent: ['紧急待办', 'Needs attention now'], nothing_urgent: ['暂无紧急待办', 'nothing urgent'],
  pending_proposal: ['待确认建议', 'proposal pending'], short_crew: ['一级事件缺人', 'priority 1 short of crew'],
  people_unaccounted: ['人未落实', 'people unaccounted'], aid_waiting: ['支援请求待答复', 'aid request awaiting answer'],
  ago: ['前', 'ago'], data_time: ['数据时间', 'data time'], drill_time: ['演练时间', 'drill time'], now: ['现在', 'now'],
  mute: ['静音', 'Mute'], unmute: ['开启声音', 'Sound on'], new_p1: ['新的一级事件', 'New priority-1 incident'],
  summary: ['一张图', 'Village summary'], tab_incidents: ['事件', 'Incidents'], tab_warnings: ['预警', 'Warnings'],
  tab_evac: ['转移', 'Evacuation'], tab_forces: ['力量', 'Forces'], tab_aid: ['支援', 'Aid'], tab_shelters: ['安置', 'Shelters'],
  tab_timeline: ['动态', 'Timeline'], tab_rejected: ['拒收', 'Rejected'],
  rain_1h: ['1小时雨量', 'rain 1 h'], rain_3h: ['3小时', '3 h'], rain_24h: ['24小时', '24 h'], warn_level: ['预警', 'warning'],
  on_duty: ['在岗', 'on duty'], busy: ['执行中', 'busy'], moved: ['已转移', 'moved'],
  evac_eta: ['预计全部落实', 'all accounted (est.)'], evac_progress: ['落实进度（户）', 'progress (households)'],
  gauges: ['测站', 'gauges'], since: ['起', 'since'], crew: ['人员', 'crew'], minutes_short: ['分', 'min'],
  village_warning: ['预警', 'warning'], for_village: ['涉及', 'for'], mm: ['毫米', 'mm'], m: ['米', 'm'],
  unknown: ['未知', 'unknown'], dispatched_by: ['系统派遣', 'dispatched'], operator: ['值班员', 'operator'],
  call_centre: ['呼叫指挥中心', 'Call command centre'], navigate: ['导航', 'Navigate'], nav_amap: ['高德地图', 'Amap'], nav_baidu: ['百度地图', 'Baidu Maps'], nav_geo: ['系统地图', 'Maps app'],
  unsent: ['未发送', 'not sent'], queued: ['离线，已排队，联网后自动发送', 'offline: queued, sent when back online'],
  decline_reason: ['拒绝理由', 'reason for declining'], confirm_decline: ['确认拒绝', 'Confirm decline'],
  new_assignment: ['新任务', 'New assignment'], last_known: ['离线：显示最后收到的任务', 'offline: showing the last assignment received'],
  arrived: ['到达现场', 'On scene'],
  // incident rules (triage)
  ru_flooding: ['内涝', 'flooding'], 'ru_flooding-people': ['内涝有人员', 'flooding with people'], ru_evacuation: ['需转移', 'evacuation'],
  ru_reservoir: ['水库险情', 'reservoir'], 'ru_blocked-channel': ['河道堵塞', 'blocked channel'], 'ru_dangerous-house': ['危房', 'dangerous house'],
  ru_other: ['其他', 'other'], ru_trapped: ['人员被困', 'people trapped'],
  // timeline words by event type
  'ev_flood.incident.reported': ['报告事件', 'incident reported'], 'ev_flood.incident.resolved': ['事件办结', 'incident resolved'],
  'ev_flood.assignment.created': ['派遣', 'assigned'], 'ev_flood.assignment.cancelled': ['取消派遣', 'assignment cancelled'],
  'ev_flood.assignment.timed_out': ['派遣超时无应答', 'assignment timed out'], 'ev_flood.responder.status': ['救援人员状态', 'responder status'],
  'ev_flood.incident.aid_needed': ['镇内无力量，需外援', 'aid needed'], 'ev_flood.road.changed': ['道路变化', 'road changed'],
  'ev_flood.rain.observed': ['雨量读数', 'rain reading'], 'ev_flood.level.observed': ['水位读数', 'level reading'],
  'ev_flood.evac.assigned': ['安排安置点', 'shelter assigned'], 'ev_flood.evac.reassigned': ['改派安置点', 'shelter reassigned'],
  'ev_flood.evac.unassigned': ['取消安置', 'shelter unassigned'], 'ev_flood.evac.escort_needed': ['需护送转移', 'escort needed'],
  'ev_flood.shelter.checkin': ['入住安置点', 'checked in'], 'ev_flood.shelter.checkout': ['离开安置点', 'checked out'],
  'ev_flood.aid.requested': ['请求支援', 'aid requested'], 'ev_flood.aid.responded': ['支援答复', 'aid answered'],
  'ev_flood.aid.committed': ['派出支援', 'aid committed'], 'ev_flood.aid.status': ['外援状态', 'aid status'],
  'ev_flood.aid.released': ['外援归建', 'aid released'], 'ev_flood.aid.delivered': ['支援到位', 'aid delivered'],
  'ev_flood.cap.received': ['收到预警信息', 'CAP alert received'], 'ev_flood.event.rejected': ['消息被拒收', 'message rejected'],
  'ev_flood.command.launch': ['启动', 'launch'], 'ev_flood.command.close_road': ['封闭道路', 'road closed'], 'ev_flood.command.open_road': ['开放道路', 'road opened'],
  'ev_flood.command.road_depth': ['报告积水', 'water depth reported'], 'ev_flood.command.resolve': ['值班员办结事件', 'incident resolved by operator'],
  'ev_flood.command.evacuate': ['下达转移令', 'evacuation ordered'], 'ev_flood.command.cancel_evacuation': ['撤销转移令', 'evacuation cancelled'],
  'ev_flood.command.household': ['更新住户状态', 'household updated'], 'ev_flood.command.close_shelter': ['关闭安置点', 'shelter closed'],
  'ev_flood.command.open_shelter': ['开放安置点', 'shelter opened'], 'ev_flood.command.reassign': ['值班员改派', 'operator reassigned'],
  'ev_flood.command.approve': ['确认建议', 'proposal approved'], 'ev_flood.command.dismiss': ['不采纳建议', 'proposal dismissed'],
  'ev_flood.command.approve_aid': ['批准支援', 'aid approved'], 'ev_flood.command.decline_aid': ['婉拒支援', 'aid declined'],
  'ev_flood.command.release_aid': ['外援归建', 'aid released'], 'ev_flood.command.request_aid': ['请求外援', 'aid requested'],
  'ev_flood.warning.issued': ['发布预警', 'warning issued'], 'ev_flood.warning.lowered': ['预警降级', 'warning lowered'],
  'ev_flood.warning.cleared': ['预警解除', 'warning cleared'], 'ev_flood.gauge.silent': ['测站停报', 'gauge silent'],
  'ev_flood.action.proposed': ['系统建议', 'action proposed'],
  'ev_flood.decision.voided': ['决定作废（未执行）', 'decision voided (never carried out)'], 'ev_flood.round.decided': ['决策轮次标记', 'decision round marker'],
  ev_rejected: ['（被拒收）', '(rejected)'], ev_duplicate: ['（重复）', '(duplicate)'],
};

let lang = localStorage.getItem('floodcmd.lang') || 'zh-CN';
const listeners = [];

/** t returns the text for key in the current language, or the key itself. */
export function t(key) {
  const row = table[key];
  if (!row) return key;
  return lang.startsWith('zh') ? row[0] : row[1];
}

/** tr translates a status or kind with its prefix, falling back to the raw value. */
export function tr(prefix, value) {
  const key = prefix + value;
  return table[key] ? t(key) : String(value ?? '');
}

/** zh is true while the board speaks Chinese. */
export function zh() { return lang.startsWith('zh'); }

/** refusal is why the server refused a request ({status, body} from post): in Chinese the code's words come first. */
export function refusal(res) {
  const m = res.body?.message || `HTTP ${res.status}`;
  return zh() && res.body?.message_zh ? `${res.body.message_zh}：${m}` : m;
}

/** fmt fills {name} placeholders of a translated template. */
export function fmt(key, params = {}) {
  return t(key).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
}

/** colon is the current language's colon: 「：」 or ": ". */
export function colon() { return lang.startsWith('zh') ? '：' : ': '; }

/** paren brackets s the current language's way: （s） or " (s)". */
export function paren(s) { return lang.startsWith('zh') ? `（${s}）` : ` (${s})`; }

/** getLang is the current language tag. */
export function getLang() { return lang; }

/** setLang switches the language and redraws every listener. */
export function setLang(l) {
  lang = l;
  localStorage.setItem('floodcmd.lang', l);
  document.documentElement.lang = l;
  applyStatic();
  listeners.forEach((f) => f());
}

/** onLang registers a redraw for language changes. */
export function onLang(f) { listeners.push(f); }

/** applyStatic fills every element marked data-i18n. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
}

/** name picks the Chinese or English name of a thing that has both. */
export function name(o) {
  if (!o) return '';
  return lang.startsWith('zh') ? (o.name || o.name_en || '') : (o.name_en || o.name || o.id || '');
}

/** note gives the part of a bilingual note ("中文 — English") in the current language. */
export function note(s) {
  if (!s) return '';
  const i = s.indexOf(' — ');
  if (i < 0) return s;
  return lang.startsWith('zh') ? s.slice(0, i) : s.slice(i + 3);
}
