// reasons.js: dispatch decisions in words. A decision with reason_code and reason_params is
// rendered from the templates below; an older one, with only the English reason, is read by
// pattern, and what no pattern knows becomes a generic phrase: no English in the Chinese board.
import { t, zh, tr } from './i18n.js';
import { place, person } from './names.js';

const TEMPLATES = {
  village_first: ['小事不出村：本村（{village}）力量就近处置', 'own-village responder of {village}'],
  neighbour_village: ['{village}无{capability}力量，邻村{helper}支援', '{village} cannot cover {capability}; neighbouring {helper} helps'],
  town_tier_priority1: ['大事不出镇：{priority}级事件，镇级力量即时加入', 'priority {priority}: town tier joins at once'],
  town_tier_cover: ['大事不出镇：{village}无{capability}力量，镇级力量加入', '{village} cannot cover {capability}: town tier joins'],
  reserve_priority1: ['{priority}级事件，动用预备队', 'priority {priority}: the reserve is called'],
  nearest_available: ['就近可派', 'nearest available'],
  preempted_for_higher_priority: ['让位于更高优先级事件{incident}', 'preempted by higher-priority incident {incident}'],
  swap_fills_empty_slot: ['调换人员以填补空缺', 'swapped to fill an empty slot'],
  rebalanced_before_leaving: ['出发前重新调配，行程缩短约{saved}', 're-planned before leaving: about {saved} less travel'],
  redirected_on_the_way: ['途中改派，行程缩短约{saved}', 'redirected on the way: about {saved} less travel'],
  diverted_to_nearer_call: ['同级警情就近改派，早到约{sooner}；原警情仍有{kept}名力量', 'diverted to the nearer of two calls of the same priority, there about {sooner} sooner; {kept} stay on the first'],
  aid_needed: ['镇内无可派力量，需请求外援', 'the town cannot cover it: aid needed'],
  timeout: ['超时未应答（{timeout}）', 'no accept within {timeout}'],
  declined: ['救援人员拒绝', 'declined by the responder'],
  operator: ['值班员指派', 'set by the operator'],
  resolved_all_done: ['需求已满足且任务全部完成', 'all needs met and every assignment done'],
  resolved: ['需求已满足且任务全部完成', 'all needs met and every assignment done'],
  rare_capability_kept: ['稀缺力量留作他用，改派其他力量', 'a scarce unit is kept for what only it can do; another goes'],
};

/** explain renders a decision's reason in the current language. d has reason_code/reason_params/reason. */
export function explain(d) {
  if (!d) return '';
  if (d.reason_code && TEMPLATES[d.reason_code]) return fromCode(d.reason_code, d.reason_params || {});
  if (d.reason_code) return zh() ? t('dispatched_by') : d.reason || d.reason_code;
  if (!zh()) return d.reason || '';
  return legacy(d.reason || d.note || '');
}

function fromCode(code, p) {
  const [zhT, enT] = TEMPLATES[code];
  const q = { ...p };
  if (q.village) q.village = place(q.village, 'village');
  if (q.helper) q.helper = place(q.helper, 'village');
  if (q.capability) q.capability = tr('c_', q.capability);
  if (q.incident) q.incident = '';
  if (q.responder) q.responder = person(q.responder);
  if (p.ack_timeout_s != null) q.timeout = duration(+p.ack_timeout_s);
  // saved_s is the optimiser's priority-weighted figure (a priority-1 minute counts eight): the
  // seconds a responder drives are travel_saved_s and sooner_s; events from before them show saved_s
  if (p.saved_s != null) q.saved = duration(+p.saved_s);
  if (p.travel_saved_s != null) q.saved = duration(+p.travel_saved_s);
  if (p.sooner_s != null) q.sooner = duration(+p.sooner_s);
  if (p.travel_saved_s != null && +p.travel_saved_s <= 0 && MORE_URGENT[code]) return withExtra(MORE_URGENT[code], p, false);
  const fill = (tpl) => tpl.replace(/\{(\w+)\}/g, (_, k) => String(q[k] ?? ''));
  return withExtra([fill(zhT), fill(enT)], p, /\{capability\}/.test(zhT));
}

// A re-plan to more urgent work may drive more in all: it is said so, without a saving.
const MORE_URGENT = {
  rebalanced_before_leaving: ['出发前重新调配，转去更紧急的工作', 're-planned before leaving for more urgent work'],
  redirected_on_the_way: ['途中改派，转去更紧急的工作', 'redirected on the way to more urgent work'],
};

// withExtra is the sentence in the current language with the capability (unless it names it) and the ETA after it.
function withExtra([zhS, enS], p, namesCapability) {
  let s = zh() ? zhS : enS;
  const extra = [];
  if (p.capability && !namesCapability) extra.push(zh() ? `能力：${tr('c_', p.capability)}` : p.capability);
  if (p.eta_s != null) extra.push(zh() ? `预计${duration(+p.eta_s)}到达` : `ETA ${duration(+p.eta_s)}`);
  if (extra.length) s += (zh() ? '；' : '; ') + extra.join(zh() ? '，' : ', ');
  return s;
}

/** duration says seconds as 5分43秒 / 5 min 43 s. */
export function duration(s) {
  if (!isFinite(s)) return '';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  if (zh()) return m ? `${m}分${sec ? sec + '秒' : ''}` : `${sec}秒`;
  return m ? `${m} min${sec ? ' ' + sec + ' s' : ''}` : `${sec} s`;
}

// goDuration reads Go's 5m43s, 1h2m, 54s.
function goDuration(v) {
  let s = 0;
  for (const [, n, u] of v.matchAll(/([\d.]+)(h|m|s)/g)) s += +n * { h: 3600, m: 60, s: 1 }[u];
  return s;
}

// Pieces of the dispatcher's English reasons (dispatch/decide.go), each with its Chinese words.
const PIECES = [
  [/own-village responder of ([\w-]+)/, (m) => `本村（${place(m[1], 'village')}）力量就近处置`],
  [/village "?([\w-]+)"? cannot cover ([\w_]+); neighbouring village ([\w-]+) helps/, (m) => `${place(m[1], 'village')}无${tr('c_', m[2])}力量，邻村${place(m[3], 'village')}支援`],
  [/priority (\d), town tier joins at once/, (m) => `${m[1]}级事件，镇级力量即时加入`],
  [/village "?([\w-]+)"? cannot cover ([\w_]+), town tier joins/, (m) => `${place(m[1], 'village')}无${tr('c_', m[2])}力量，镇级力量加入`],
  [/^([a-z_]+), ETA ([\dhms.]+)$/, (m) => `能力：${tr('c_', m[1])}，预计${duration(goDuration(m[2]))}到达`],
  [/least total priority-weighted travel over (\d+) open slots?/, (m) => `按优先级加权总行程最短（${m[1]}个空缺）`],
  [/no accept within ([\dhms.]+) of assignment/, (m) => `${duration(goDuration(m[1]))}内未接受`],
  [/preempted by higher-priority incident \S+ \(priority (\d) over (\d)\)/, (m) => `让位于更高优先级事件（${m[1]}级优先于${m[2]}级）`],
  [/all needs met and every assignment done/, () => '需求已满足且任务全部完成'],
  [/town cannot cover/, () => '镇内无可派力量，需请求外援'],
  [/operator (\S+) moved (\S+) to incident (\S+): (.*)/, (m) => `值班员改派${person(m[2])}：${m[4]}`],
  [/operator (\S+): (.*)/, (m) => `值班员指派：${m[2]}`],
  [/^set by operator/, () => '值班员设置'],
];

/** legacy translates an English reason piece by piece; pieces it does not know become a generic word. */
export function legacy(reason) {
  if (!reason) return '';
  // 小事不出村: / 大事不出镇: prefixes are already Chinese.
  const m = reason.match(/^([\u4e00-\u9fff]+)[:：]\s*(.*)$/);
  const head = m ? m[1] : '';
  const rest = m ? m[2] : reason;
  const parts = rest.split(/;\s*/).map((p) => {
    for (const [re, f] of PIECES) { const mm = p.match(re); if (mm) return f(mm); }
    return /[A-Za-z]{3,}/.test(p) ? '' : p; // unknown English: dropped, never shown
  }).filter(Boolean);
  const body = parts.join('；');
  if (!body) return head || t('dispatched_by');
  return head ? `${head}：${body}` : body;
}
