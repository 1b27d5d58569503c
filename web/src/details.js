// The daemon's details in the reader's words. The daemon writes the
// detail of an item's history entry and of an audit row in English, in
// one fixed form per action (docs/api.md); each form known here is said
// in the catalogue's words, any other text (a form or a code not known
// here, a note moved by hand) shows as the daemon wrote it.
import { t, has } from './i18n.js';
import { fmtDateTime, fmtSpan } from './time.js';

// A code's words from the catalogue (result.no_answer), else the code.
export function word(kind, code) {
  return has(`${kind}.${code}`) ? t(`${kind}.${code}`) : code;
}

// Its day number (days since 1970-01-01) as YYYY-MM-DD.
const dayText = (n) => new Date(Number(n) * 86400000).toISOString().slice(0, 10);

// A plan's name from the schema's plans, else its code.
const planName = (ctx, code) => ((ctx.schema.plans || []).find((p) => p.code === code) || {}).name || code;

const ATTEMPT = /^([a-z_]+), attempt ([0-9]+) of ([0-9]+)$/;
const attemptText = (m) => t('item.history.attempt', { result: word('result', m[1]), n: m[2], of: m[3] });
const CARE = ['care.read', 'care.list', 'care.create', 'care.update', 'care.contact', 'care.difficulty',
  'care.resolve', 'care.hand', 'care.link'];

// [the actions it is written for (an item's history, an audit row), its
// form, how to say it (the match, the console's context)].
const FORMS = [
  [['lease expired', 'item.expire'], /^lease of (.+) ran out$/, (m) => t('item.history.lease', { name: m[1] })],
  [['escalated', 'item.escalate'], /^waited ([0-9]+)s, SLA ([0-9]+)s$/,
    (m) => t('item.history.sla', { waited: fmtSpan(Number(m[1])), sla: fmtSpan(Number(m[2])) })],
  [['escalated', 'item.escalate'], /^([0-9]+) attempts failed$/, (m) => t('item.history.failed', { n: m[1] })],
  [['attempted', 'completed', 'item.attempt'], ATTEMPT, attemptText],
  [['cancelled'], /^([a-z_]+)$/, (m) => word('reason', m[1])],
  [['item.claim', 'call.list'], /^queue (.+)$/, (m, ctx) => t('detail.queue', { q: ctx.name.queue(m[1]) })],
  [['call.list'], /^calls$/, () => t('detail.calls')],
  [['call.list'], /^handover$/, () => t('detail.handover')],
  [['item.complete', 'item.release', 'item.renew'], /^held by (.+)$/, (m) => t('detail.held_by', { name: m[1] })],
  [['call.amend'], /^[a-z_]+(,[a-z_]+)*$/,
    (m) => m[0].split(',').map((f) => word('field', f)).join(t('sep.list'))],
  [['export'], /^export ([0-9]+): from (\S+) to (\S+), ([a-z]+)$/,
    (m) => t('detail.export', { n: m[1], from: fmtDateTime(m[2]), to: fmtDateTime(m[3]), format: m[4].toUpperCase() })],
  [['plan.end'], /^plan (\S+), reason ([a-z_]+), ([0-9]+) steps cancelled$/,
    (m, ctx) => t('detail.plan_end', { plan: planName(ctx, m[1]), reason: word('reason', m[2]), n: m[3] })],
  [['auth.fail', 'auth.signin'], /^via (tcp|tls|unix)$/, (m) => t(`detail.via.${m[1]}`)],
  [['auth.fail'], /^via (tcp|tls|unix), ([0-9]+) attempts$/,
    (m) => t('detail.via.attempts', { via: t(`detail.via.${m[1]}`), n: m[2] })],
  [['auth.fail'], /^([0-9]+) more attempts from other peers at the same time$/, (m) => t('detail.more_peers', { n: m[1] })],
  [CARE, /^person ([0-9]+)$/, (m) => t('detail.person', { id: m[1] })],
  [['care.import'], /^([0-9]+) rows$/, (m) => t('detail.rows', { n: m[1] })],
  [['care.export'], /^([0-9]+) people, layout ([a-z_0-9]+), (csv|xlsx)(?:, unit (.+))?$/,
    (m) => t(m[4] ? 'detail.care_export.unit' : 'detail.care_export',
      { n: m[1], layout: word('care.layout', m[2]), format: m[3].toUpperCase(), unit: m[4] })],
  [['care.end_date'], /^end day (-?[0-9]+)$/, (m) => t('detail.end_day', { day: dayText(m[1]) })],
];

// The detail of action (an item history's or an audit row's) in words.
export function detailText(ctx, action, detail) {
  if (!detail) return '';
  for (const [actions, re, say] of FORMS) {
    const m = actions.includes(action) ? re.exec(detail) : null;
    if (m) return say(m, ctx);
  }
  return detail;
}
