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
  us: ['本镇', 'us'], committed: ['已派出', 'committed'], release: ['遣返', 'Release'], count: ['人数', 'count'],
  aid_pending: ['待处理', 'pending'], aid_requested: ['待批准', 'requested'], aid_responded: ['已答复', 'responded'],
  aid_committed: ['已派出', 'committed'], aid_deployed: ['已到位', 'deployed'], aid_released: ['已遣返', 'released'], aid_declined: ['已婉拒', 'declined'],
  polygon: ['划定区域', 'drawn area'],
  order_evacuation: ['下达转移令', 'Order evacuation'], level: ['级别', 'level'], mandatory: ['强制转移', 'mandatory'],
  advisory: ['建议转移', 'advisory'], low_lying: ['低洼', 'low-lying'], on_the_way: ['途中', 'on the way'],
  close_shelter: ['关闭', 'close'], open_shelter: ['开放', 'open'],
  // warning levels
  w_blue: ['蓝色', 'blue'], w_yellow: ['黄色', 'yellow'], w_orange: ['橙色', 'orange'], w_red: ['红色', 'red'],
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

export function getLang() { return lang; }

export function setLang(l) {
  lang = l;
  localStorage.setItem('floodcmd.lang', l);
  document.documentElement.lang = l;
  applyStatic();
  listeners.forEach((f) => f());
}

export function onLang(f) { listeners.push(f); }

/** applyStatic fills every element marked data-i18n. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
}

/** name picks the Chinese or English name of a thing that has both. */
export function name(o) {
  if (!o) return '';
  return lang.startsWith('zh') ? (o.name || o.name_en || o.id) : (o.name_en || o.name || o.id);
}
