/*
 * The help texts: "hotline --help", "hotline help CMD", "hotline CMD --help".
 * Kept in step with hotline.1; marked N_() and translated when printed.
 */
#include <string.h>

#include "hotline.h"

struct usage {
	const char	*cmd;
	const char	*text;
};

static const char usage_main[] =
N_(
"Usage: hotline [global options] COMMAND [args]\n"
"\n"
"Log and look up calls to the psychological support hotline, through the\n"
"hotlined daemon.\n"
"\n"
"Commands:\n"
"  log      log a call\n"
"  show     show one call, with the history of its amendments\n"
"  list     list calls as a table\n"
"  amend    change fields of a call (its history keeps the old values)\n"
"  schema   list the codes the server accepts: lines, topics, risks, ...\n"
"  whoami   say who the server takes you to be\n"
"  queue    the follow-up queues, or one queue's items\n"
"  claim    take the next item of a queue (counselors)\n"
"  done     complete a claimed item with a resolution\n"
"  release  hand a claimed item back to its queue\n"
"  renew    extend the lease on a claimed item\n"
"  item     one queue item, its call and its history\n"
"  attempt  record an attempt to reach a caller on a follow-up step\n"
"  plan     a call's follow-up plan, its steps and every attempt\n"
"  handover what the next shift must know\n"
"  stats    counts, durations, risk and waits by day, line, topic, ...\n"
"  export   every call in a range as CSV, JSON or a spreadsheet\n"
"           (supervisors)\n"
"  report   the monthly summary, as text or one HTML page with charts\n"
"  audit    who read, amended, exported or moved what, and failed logins\n"
"           (admins)\n"
"  status   the daemon's health, calls per line and queues, in brief\n"
"  sync     send the calls saved locally while the server was away\n"
"  unlogged phone calls answered and never logged (supervisors)\n"
"  care     the care register: people under care, contacts, difficulties,\n"
"           the union's forms (liaisons, supervisors)\n"
"  help     show this text, or a command's: hotline help log\n"
"\n"
"Global options:\n"
"      --server ADDRESS  unix:PATH, https://HOST:PORT or http://HOST:PORT;\n"
"                        default $HOTLINE_SERVER, then \"server\" in the\n"
"                        config file, then unix:/run/hotlined/api.sock\n"
"      --status ADDRESS  the status listener, for hotline status (the same\n"
"                        forms); default\n"
"                        $HOTLINE_STATUS, then \"status\" in the config\n"
"                        file, then unix:/run/hotlined/status.sock\n"
"      --cacert FILE     verify https:// servers against the CA\n"
"                        certificates in FILE (PEM), not the system's;\n"
"                        default $HOTLINE_CACERT, then \"cacert\" in the\n"
"                        config file\n"
"      --insecure-plain  allow http:// to a host off the loopback: records\n"
"                        and token cross the network unencrypted\n"
"  -C, --config FILE     the client config file; default\n"
"                        $XDG_CONFIG_HOME/hotline/hotline.conf or\n"
"                        ~/.config/hotline/hotline.conf (may be missing)\n"
"      --json            print the server's JSON instead of text\n"
"      --strict          exit 3, not 0, when a call or amendment could\n"
"                        only be saved locally (see \"hotline help sync\")\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Environment:\n"
"  HOTLINE_SERVER  the server, when --server is not given\n"
"  HOTLINE_STATUS  the status listener, when --status is not given\n"
"  HOTLINE_CACERT  the CA file for https://, when --cacert is not given\n"
"  HOTLINE_TOKEN   the bearer token for TCP; overrides \"token\" in the\n"
"                  config file. On the Unix socket your uid identifies you.\n"
"  HOTLINE_TIMEOUT seconds one request may take before it counts as\n"
"                  unanswered (default 60)\n"
"  XDG_STATE_HOME  the spool is $XDG_STATE_HOME/hotline/spool, default\n"
"                  ~/.local/state/hotline/spool\n"
"\n"
"Exit status: 0 success (also when a call was saved locally, to be sent),\n"
"1 error (the server's included; an untrusted certificate too), 2 usage\n"
"error (http:// off the loopback without --insecure-plain included), 3\n"
"saved locally under --strict.\n"
"See hotline(1) for more.\n");

static const char usage_log[] =
N_(
"Usage: hotline log [options]\n"
"\n"
"Log a call. Line, caller type, topics and risk are required. When one is\n"
"missing and standard input is a terminal, a form asks for the whole call\n"
"in the order a call goes (line, caller type, call type, gender and age\n"
"band, topics, risk, the four suicide-risk items and emergency services\n"
"from risk moderate up, outcome, the callback time for a callback,\n"
"duration, notes, consent, then name and contact), offering the server's\n"
"codes numbered; what the options gave is not asked, and Enter skips an\n"
"optional field. The duration defaults to the time since hotline log\n"
"started, and can be changed. A summary comes before saving: one key\n"
"saves or goes back. Without a terminal a missing field is a usage error.\n"
"Prints \"logged call ID\" and, when the call was routed to a queue, the\n"
"queue and the priority.\n"
"\n"
"Each log sends a fresh Idempotency-Key. If the server cannot be reached or\n"
"answers with a 5xx error or 429 (its limits), the same request is sent\n"
"again a few times: a call is never stored twice. If it still cannot be\n"
"sent, the call is saved on this computer with its key, \"saved locally\"\n"
"is printed, and it is sent by \"hotline sync\" or by the next hotline\n"
"command (exit 0; 3 with --strict). A saved call without --started is\n"
"given the time it was logged, so it keeps that time when it is sent\n"
"later. A server whose TLS certificate is not trusted is not tried again:\n"
"the call is saved at once, with that reason (see --cacert).\n"
"\n"
"Required:\n"
"  -l, --line CODE           the line the call came in on\n"
"  -c, --caller-type CODE    medic, medic_family, aid_team, member, ...\n"
"  -t, --topic CODE[,CODE]   a topic; repeat the option or use commas\n"
"  -r, --risk CODE           none, low, moderate, high, imminent\n"
"\n"
"Optional:\n"
"  -d, --duration DURATION   720 (seconds), 90s, 12m, 1h, 1h5m\n"
"  -o, --outcome CODE        counseled, referred, callback, emergency,\n"
"                            hung_up\n"
"      --callback TIME       when to call back (needed with --outcome\n"
"                            callback)\n"
"      --started TIME        when the call began (default: now)\n"
"      --call-type CODE      counseling (default), info, silent, prank,\n"
"                            wrong_number\n"
"      --gender CODE         f, m, x\n"
"      --age-band CODE       <18, 18-29, 30-39, 40-49, 50-59, 60+\n"
"      --notes TEXT          free text; personal, shown only to the roles\n"
"                            that may see it\n"
"      --consent[=yes|no]    the caller agreed to leave name and contact\n"
"      --name TEXT           the caller's name (only with --consent)\n"
"      --contact TEXT        the caller's phone or other contact (only with\n"
"                            --consent)\n"
"      --caller-number NUMBER\n"
"                            the number the caller rang from: only a keyed\n"
"                            hash is kept, to count repeat calls\n"
"      --emergency-contacted[=yes|no]\n"
"                            emergency services were called\n"
"      --assessment desire=A,capability=A,intent=A,buffers=A\n"
"                            the suicide-risk assessment (risk moderate or\n"
"                            above); each answer is yes, no or unknown\n"
"\n"
"The crisis record (from risk moderate up; the server may require some):\n"
"      --ideation N          suicidal ideation, 0 (none) to 10\n"
"      --hopelessness N      hopelessness, 0 to 10\n"
"      --screener wish_dead=A,active_thoughts=A,method=A,intent=A,plan=A,\n"
"                 behavior=A\n"
"                            the Columbia screener, the last three months\n"
"      --plan-timeframe CODE 72h, 1w, later (when plan=yes)\n"
"      --safety-plan warning_signs=A,coping_steps=A,people_places=A,\n"
"                    professional_contacts=A,means_safer=A\n"
"                            the safety plan; personal like the notes\n"
"      --emergency-agency CODE\n"
"                            who was contacted: 110, 120, 119, family,\n"
"                            workplace, other\n"
"      --emergency-at TIME   when they were contacted (default: now)\n"
"      --emergency-reference TEXT\n"
"                            their reference number\n"
"      --emergency-confirmed CODE\n"
"                            contact with the caller: pending (default),\n"
"                            confirmed, not_confirmed\n"
"Each list gives every item once; each answer A is yes, no or unknown.\n"
"\n"
"      --idempotency-key KEY\n"
"                            send KEY, not a fresh one: to retry a log\n"
"                            whose outcome is unknown\n"
"      --pbx                 this is your latest answered phone call not\n"
"                            yet logged: its line, start and duration come\n"
"                            from the phone system, and the server joins\n"
"                            the two (and counts the caller's repeat calls)\n"
"      --json                print the stored record as JSON\n"
"  -h, --help                show this help\n"
"\n"
"TIME is RFC 3339 with an offset (2020-02-17T01:30:00+08:00), or\n"
"\"YYYY-MM-DD HH:MM\", or \"HH:MM\" (today), in the server's timezone.\n"
"The codes are the server's: see \"hotline schema\".\n"
"\n"
"Examples:\n"
"  hotline log -l 400 -c medic -t anxiety,sleep -r moderate -d 12m \\\n"
"      --assessment desire=no,capability=no,intent=no,buffers=yes\n"
"  hotline log -l 9120 -c member -t work -r none --outcome callback \\\n"
"      --callback '2020-02-18 10:00' --consent --name 王 --contact 13800000000\n"
"  hotline log -l 400 -c medic -t other -r high --ideation 7 \\\n"
"      --hopelessness 6 --emergency-agency 120 --emergency-reference QD-0042\n");

static const char usage_show[] =
N_(
"Usage: hotline show [--json] ID\n"
"\n"
"Show call ID: every field, with the display name beside each code and\n"
"times in the server's timezone, then the history of its amendments\n"
"(the version replaced, when, by whom, and each field's old and new\n"
"value). Personal fields your role may not see are shown as (hidden);\n"
"those the server's retention erased as (erased DATE).\n"
"\n"
"      --json      print the record as the server sent it\n"
"  -h, --help      show this help\n");

static const char usage_list[] =
N_(
"Usage: hotline list [options]\n"
"\n"
"List calls, newest first, as a table: ID, STARTED (server time), LINE,\n"
"CALLER, TOPICS, RISK, OUTCOME, OPERATOR. An operator sees only its own\n"
"calls. Without --all one page is shown, and a note says if there are more.\n"
"\n"
"      --today           calls since midnight in the server's timezone\n"
"      --mine            calls you logged\n"
"      --from DATE|TIME  calls that started at or after this\n"
"      --to DATE|TIME    calls that started before this (a DATE includes\n"
"                        that whole day)\n"
"      --line CODE[,CODE]\n"
"      --risk CODE[,CODE]\n"
"      --operator NAME[,NAME]\n"
"      --limit N         at most N calls per page (server default 50)\n"
"      --all             follow the pages to the end\n"
"      --json            print the server's JSON (with --all, one object\n"
"                        holding every page's calls)\n"
"  -h, --help            show this help\n"
"\n"
"DATE is YYYY-MM-DD; TIME as in \"hotline help log\"; both in the\n"
"server's timezone unless TIME carries an offset.\n"
"\n"
"Examples:\n"
"  hotline list --today --mine\n"
"  hotline list --from 2020-02-01 --to 2020-02-29 --risk high,imminent --all\n");

static const char usage_amend[] =
N_(
"Usage: hotline amend ID [field options] [--clear FIELD]...\n"
"\n"
"Change fields of call ID. Only the fields given are sent; --clear FIELD\n"
"empties an optional field. The call's current version is read first and\n"
"sent as If-Match, so a change someone else made meanwhile is reported\n"
"rather than overwritten. Prints each field's old and new value; the\n"
"server keeps the old values in the call's history.\n"
"\n"
"When the server cannot take the amendment (no answer, a 5xx, a 429), it is\n"
"saved locally like a call (see \"hotline help sync\"), with the version\n"
"read as its If-Match; when even that read failed, it is saved without one\n"
"and applies to the call as it is when sent.\n"
"\n"
"The field options are those of \"hotline log\" (see hotline help log);\n"
"--topic replaces the whole list of topics. --name and --contact need\n"
"--consent unless the call already records consent. The --emergency-*\n"
"options change only the members given of the recorded linkage\n"
"(--emergency-confirmed confirmed confirms it).\n"
"\n"
"      --clear FIELD  empty FIELD, named as its option (callback,\n"
"                     outcome, notes, ...) or as its JSON field\n"
"      --legal-hold[=yes|no]\n"
"                     put the call under a legal hold (retention leaves\n"
"                     it alone) or lift it; supervisors and admins only\n"
"      --json         print the updated record as JSON\n"
"  -h, --help         show this help\n"
"\n"
"Examples:\n"
"  hotline amend 42 --risk high --clear callback\n"
"  hotline amend 42 --emergency-confirmed confirmed\n");

static const char usage_schema[] =
N_(
"Usage: hotline schema [--json]\n"
"\n"
"List the codes the server accepts, each with its display name: lines,\n"
"caller types, topics, risk levels (lowest first), outcomes, queues, call\n"
"types, genders, age bands; and the server's timezone and limits.\n"
"\n"
"      --json      print the schema as the server sent it\n"
"  -h, --help      show this help\n");

static const char usage_whoami[] =
N_(
"Usage: hotline whoami [--json]\n"
"\n"
"Say who the server takes you to be: your name, your role (operator,\n"
"counselor, supervisor or admin) and whether you came by the Unix socket\n"
"or TCP.\n"
"\n"
"      --json      print the server's answer as JSON\n"
"  -h, --help      show this help\n");

static const char usage_queue[] =
N_(
"Usage: hotline queue [--json] [QUEUE [--state STATE] [--limit N]]\n"
"\n"
"Without QUEUE: every follow-up queue with the items waiting (claimable\n"
"now), claimed, scheduled (a callback not yet due), the oldest wait and\n"
"the items past their SLA. Anyone may look.\n"
"\n"
"With QUEUE (counselors, supervisors, admins): its items in the order\n"
"they will be claimed (priority, then the longest wait), with the call's\n"
"risk and topics; items escalated (past their SLA, or a follow-up step\n"
"whose attempts ran out) are marked ESCALATED.\n"
"\n"
"      --state STATE  open (default: all but done), waiting, scheduled,\n"
"                     claimed, done\n"
"      --limit N      at most N items (server default 50)\n"
"      --json         print the server's JSON\n"
"  -h, --help         show this help\n"
"\n"
"Examples:\n"
"  hotline queue\n"
"  hotline queue mhc --state claimed\n");

static const char usage_claim[] =
N_(
"Usage: hotline claim [--json] QUEUE\n"
"\n"
"Take the next claimable item of QUEUE: the highest priority first, then\n"
"the one waiting longest. It is yours under a lease (30 minutes unless\n"
"the server says otherwise): renew it, complete it with \"hotline done\",\n"
"or release it. When the lease runs out the item returns to the queue.\n"
"Prints the item and its call, with the caller's name and contact when\n"
"the caller consented. Two counselors claiming at once never get the\n"
"same item. Exits 0 with \"nothing to claim\" when the queue is empty.\n"
"\n"
"      --json      print the server's JSON (null when nothing to claim)\n"
"  -h, --help      show this help\n");

static const char usage_done[] =
N_(
"Usage: hotline done ID --resolution TEXT [--json]\n"
"\n"
"Complete queue item ID, which you hold, saying what was done for the\n"
"caller. A supervisor may complete an item someone else holds.\n"
"\n"
"  -m, --resolution TEXT  what was done (required)\n"
"      --json             print the completed item as JSON\n"
"  -h, --help             show this help\n"
"\n"
"Example:\n"
"  hotline done 7 -m \"called back, appointment on Friday\"\n");

static const char usage_release[] =
N_(
"Usage: hotline release [--json] ID\n"
"\n"
"Hand queue item ID back to its queue, to be claimed again; its wait\n"
"keeps counting from when it first became due.\n"
"\n"
"      --json      print the item as JSON\n"
"  -h, --help      show this help\n");

static const char usage_renew[] =
N_(
"Usage: hotline renew [--json] ID\n"
"\n"
"Extend the lease on queue item ID, which you hold, by the queue's lease\n"
"time from now.\n"
"\n"
"      --json      print the item as JSON\n"
"  -h, --help      show this help\n");

static const char usage_item[] =
N_(
"Usage: hotline item [--json] ID\n"
"\n"
"Show queue item ID: its queue, kind and state, who holds it or completed\n"
"it, its call, and its history: every move, when and by whom (\"system\":\n"
"the daemon's timers), with what the daemon noted of it (a lease that ran\n"
"out, the wait past the SLA, an attempt's result). Counselors, supervisors\n"
"and admins; the read of the call is audited, as \"hotline show\" is.\n"
"\n"
"      --json      print the item as JSON\n"
"  -h, --help      show this help\n");

static const char usage_attempt[] =
N_(
"Usage: hotline attempt ID --result RESULT [--note TEXT] [--json]\n"
"\n"
"Record an attempt to reach the caller on queue item ID, a step of a\n"
"follow-up plan, which you hold. reached completes the step; any other\n"
"result returns it to its queue, due again after the plan's wait, and\n"
"when the plan's attempts run out the step is escalated.\n"
"\n"
"  -r, --result RESULT  reached, no_answer, busy, refused, wrong_number\n"
"                       or left_message (required)\n"
"  -m, --note TEXT      what happened (personal, like the call's notes)\n"
"      --json           print the step as JSON\n"
"  -h, --help           show this help\n"
"\n"
"Example:\n"
"  hotline attempt 9 --result no_answer --note \"left a message\"\n");

static const char usage_care[] =
N_(
"Usage: hotline care list [--unit UNIT] [--team TEAM] [--liaison NAME]\n"
"                         [--overdue] [--search TEXT] [--json]\n"
"       hotline care show [--json] PERSON\n"
"       hotline care contact --kind visit|phone|message [--with WHO]\n"
"                            [--note TEXT] [--at WHEN] PERSON\n"
"       hotline care difficulty --category CATEGORY --description TEXT\n"
"                               PERSON\n"
"       hotline care resolve (--resolution TEXT | --hand QUEUE\n"
"                            [--priority N]) DIFFICULTY\n"
"       hotline care import [--dry-run] [--liaison NAME] FILE\n"
"       hotline care export [--unit UNIT] [--layout LAYOUT]\n"
"                           [--format csv|xlsx] -o FILE\n"
"\n"
"The care register: front-line medical staff and the families of aid-team\n"
"members, each with a union liaison, contacted every few days (7 unless\n"
"set) until the care ends. A liaison sees and works only their own\n"
"people; supervisors and admins all of them.\n"
"\n"
"  list        the people, the most overdue contact first\n"
"  show        one person with family, contacts, difficulties and calls\n"
"  contact     record a contact (visit, phone or message): the next one\n"
"              falls due the interval after it\n"
"  difficulty  raise a difficulty (childcare, elder_care, supplies, work,\n"
"              labour_dispute, health, housing, other, or its name)\n"
"  resolve     close an open difficulty with what was done, or hand it to\n"
"              a queue (an item on the person's latest linked call)\n"
"  import      load a unit's form as it sent it (.xlsx, .xls or CSV in\n"
"              UTF-8 or GB18030; 附件1, 附件2 or 附件3): all of it or none,\n"
"              every bad row named; a person already there (same name,\n"
"              unit and phone) is updated, never added twice\n"
"      --dry-run       check the file and say what it would do, store\n"
"                      nothing\n"
"      --liaison NAME  the liaison of the people the file adds\n"
"  export      the register in the forms' layouts (supervisors): CSV with\n"
"              a byte-order mark, or a spreadsheet\n"
"\n"
"      --json      print the server's JSON\n"
"  -h, --help      show this help\n"
);

static const char usage_plan[] =
N_(
"Usage: hotline plan [--json] CALL\n"
"\n"
"Show the follow-up plan of call CALL: its steps, when each is due, and\n"
"every attempt to reach the caller.\n"
"\n"
"      --json      print the plan as JSON\n"
"  -h, --help      show this help\n");

static const char usage_handover[] =
N_(
"Usage: hotline handover [--at WHEN] [--json]\n"
"\n"
"What the shift starting at the shift boundary nearest WHEN (default now)\n"
"must know: open items of high risk and above, items still held, items\n"
"escalated or not reached in the leaving shift, and emergencies not yet\n"
"confirmed.\n"
"\n"
"  -a, --at WHEN   a time (2026-12-07T08:00:00+08:00); default now\n"
"      --json      print the handover as JSON\n"
"  -h, --help      show this help\n");

static const char usage_stats[] =
N_(
"Usage: hotline stats --from DATE --to DATE [--by DIM[,DIM]]\n"
"                     [--format table|csv|json] [--chart]\n"
"\n"
"The calls that started in the range, broken down by one or two\n"
"dimensions (supervisors and admins): per group the calls, their total\n"
"and mean duration, the share at risk high or above, the follow-ups\n"
"made, the median and 90th-percentile wait until a counselor first\n"
"claimed them, and the follow-ups escalated past their SLA; then a\n"
"totals row. Days, weeks and months are those of the server's timezone,\n"
"and an empty day is shown with zeros. A call with several topics counts\n"
"under each of them, so by topic the groups add up to more than the\n"
"total. The JSON (--json) also holds the phone system's measures, the\n"
"follow-up plans' steps (by the time each first fell due: on time,\n"
"late, escalated, ended early) and the crisis records' counts.\n"
"\n"
"      --from DATE|TIME   the first day (or time) counted\n"
"      --to DATE|TIME     the last day counted (a TIME: up to, excluded)\n"
"      --by DIM[,DIM]     hour, day (default), week, month, line,\n"
"                         caller_type, topic, risk, outcome, operator,\n"
"                         queue, call_type; at most one time unit\n"
"      --format FORMAT    table (default), csv (RFC 4180) or json\n"
"      --chart            a bar chart of the calls by the first dimension\n"
"      --json             print the server's JSON\n"
"  -h, --help             show this help\n"
"\n"
"Examples:\n"
"  hotline stats --from 2020-02-01 --to 2020-02-29 --by day,line\n"
"  hotline stats --from 2020-02-01 --to 2020-02-29 --by topic --chart\n");

static const char usage_export[] =
N_(
"Usage: hotline export --from DATE --to DATE [--format csv|json|xlsx]\n"
"                      [--header codes|names] [-o FILE]\n"
"\n"
"Every call that started in the range, one row each, with the display\n"
"name beside each code and the personal fields (supervisors and admins\n"
"only). CSV is RFC 4180 in UTF-8 with a byte-order mark, so Excel and\n"
"WPS open Chinese text as it is; xlsx is a spreadsheet with Chinese\n"
"headings, times as dates and durations as numbers. The server records\n"
"who exported which range.\n"
"\n"
"      --from DATE|TIME   the first day (or time)\n"
"      --to DATE|TIME     the last day (a TIME: up to, excluded)\n"
"      --format FORMAT    csv (default), json (an array of records) or\n"
"                         xlsx (a spreadsheet, not to a terminal)\n"
"      --header HEADER    CSV's first line: codes (default) or names,\n"
"                         the Chinese headings\n"
"  -o, --output FILE      write FILE (complete, or not at all) instead\n"
"                         of standard output\n"
"  -h, --help             show this help\n"
"\n"
"Examples:\n"
"  hotline export --from 2020-02-01 --to 2020-02-29 -o february.csv\n"
"  hotline export --from 2020-02-01 --to 2020-02-29 --format xlsx \\\n"
"      -o february.xlsx\n");

static const char usage_audit[] =
N_(
"Usage: hotline audit [--since WHEN] [--until WHEN] [--action ACTION]\n"
"                     [--who NAME] [--limit N] [--all] [--json]\n"
"\n"
"The audit trail, newest first (admins only): every read of one call by\n"
"anyone but its operator, every amendment (the fields' names, never\n"
"their values), export and queue item move, and every failed\n"
"authentication. A table of ID, AT, WHO, ROLE, PEER (uid N on the Unix\n"
"socket, ADDRESS:PORT on TCP), ACTION, CALL, ITEM and DETAIL; a detail\n"
"in one of the daemon's fixed forms is said in your language.\n"
"\n"
"      --since DATE|TIME  from that day (or time) on; today: since\n"
"                         midnight in the server's timezone\n"
"      --until DATE|TIME  up to that day, included (a TIME: excluded)\n"
"      --action ACTION    call.read, call.list, call.amend, export,\n"
"                         item.claim, item.complete, item.release,\n"
"                         item.renew, item.expire, item.escalate,\n"
"                         item.attempt, plan.end, item.number, care.read,\n"
"                         care.list, care.create, care.update,\n"
"                         care.contact, care.difficulty, care.resolve,\n"
"                         care.hand, care.link, care.end_date,\n"
"                         care.import, care.export, auth.fail,\n"
"                         auth.signin or auth.signout\n"
"      --who NAME         rows of one requester (\"-\": failed logins)\n"
"      --limit N          rows per page (default 50)\n"
"      --all              every page, not only the first\n"
"      --json             print the server's JSON\n"
"  -h, --help             show this help\n"
"\n"
"Examples:\n"
"  hotline audit --since 2020-02-01 --action call.read\n"
"  hotline audit --who chen --all --json\n");

static const char usage_report[] =
N_(
"Usage: hotline report (--month YYYY-MM | --from DATE --to DATE)\n"
"                      [--html FILE]\n"
"\n"
"The summary a union office sends upward (supervisors and admins): calls\n"
"per line and per caller type, topics, risk, follow-ups by queue with\n"
"their waits and escalations, calls per day and the busiest hours of the\n"
"day. As text, or with --html as one self-contained page (charts drawn\n"
"in SVG, no scripts, no external files) that prints well.\n"
"\n"
"      --month YYYY-MM    that calendar month, in the server's timezone\n"
"      --from, --to DATE  another period (at most about a year)\n"
"      --html FILE        write the page to FILE (whole, or not at all)\n"
"  -h, --help             show this help\n"
"\n"
"Example:\n"
"  hotline report --month 2020-02 --html 2020-02.html\n");
static const char usage_status[] =
N_(
"Usage: hotline status [--watch [SECONDS]] [--json]\n"
"\n"
"Ask the daemon's status listener (not the API; see --status) how it is:\n"
"warnings first (store not ok, shutting down, queue items past their\n"
"SLA), then one line for the daemon and the store, one per phone line\n"
"(calls today in the daemon's timezone, in the last hour, the last call)\n"
"and one per queue. No token is needed: the status carries no personal\n"
"data.\n"
"\n"
"  -w, --watch [SECONDS]  redraw every SECONDS (default 2) until\n"
"                         interrupted\n"
"      --json             print the status JSON as the daemon sent it\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 when the status listener answered, 1 otherwise.\n");
static const char usage_sync[] =
N_(
"Usage: hotline sync [--list] [--json]\n"
"\n"
"Send the calls and amendments saved locally because the server could not\n"
"take them (no answer, a timeout, a 5xx error, a 429), oldest first. Every\n"
"other hotline command tries this too before its own work, quietly (a note on\n"
"stderr when it sent something). A call is sent with the Idempotency-Key\n"
"it was saved with, so the server stores it once however often it is\n"
"sent. An amendment is sent with its If-Match: if the call has moved on\n"
"but already holds every value the amendment sets, an earlier send got\n"
"through and it is done.\n"
"\n"
"A request the server refuses (4xx: a code it does not know, a call\n"
"changed by someone else) is never deleted: it is kept aside with the\n"
"server's answer, in the spool's rejected/ directory, and listed by\n"
"--list. Correct it and log it again, then remove the file.\n"
"\n"
"The spool is $XDG_STATE_HOME/hotline/spool (default\n"
"~/.local/state/hotline/spool): one JSON file per request, mode 0600.\n"
"\n"
"      --list      show what waits to be sent and what was refused\n"
"      --json      with --list: the saved requests as JSON\n"
"  -h, --help      show this help\n"
"\n"
"Exit status: 0 when everything was sent (or nothing waited), 1 when\n"
"something still waits or was refused.\n");

static const char usage_unlogged[] =
N_(
"Usage: hotline unlogged [--limit N] [--json]\n"
"\n"
"The phone calls the phone system says were answered longer ago than the\n"
"server's pbx.unlogged_after (30 minutes by default) that no logged call\n"
"is joined to, oldest first: a caller who may be missing from the records.\n"
"The operator who answered logs it with \"hotline log --pbx\".\n"
"Supervisors and admins.\n"
"\n"
"  -n, --limit N   show at most N (default 50)\n"
"      --json      the server's JSON\n"
"  -h, --help      show this help\n");

static const char usage_help[] =
N_(
"Usage: hotline help [COMMAND]\n"
"\n"
"Show the overall help, or COMMAND's.\n");

static const struct usage usage_texts[] = {
	{ "log", usage_log },
	{ "show", usage_show },
	{ "list", usage_list },
	{ "amend", usage_amend },
	{ "schema", usage_schema },
	{ "whoami", usage_whoami },
	{ "queue", usage_queue },
	{ "claim", usage_claim },
	{ "done", usage_done },
	{ "release", usage_release },
	{ "renew", usage_renew },
	{ "item", usage_item },
	{ "attempt", usage_attempt },
	{ "plan", usage_plan },
	{ "handover", usage_handover },
	{ "stats", usage_stats },
	{ "export", usage_export },
	{ "report", usage_report },
	{ "audit", usage_audit },
	{ "status", usage_status },
	{ "sync", usage_sync },
	{ "unlogged", usage_unlogged },
	{ "care", usage_care },
	{ "help", usage_help },
};

static const struct usage *
usage_find(const char *cmd)
{
	size_t	i;

	for (i = 0; i < sizeof usage_texts / sizeof usage_texts[0]; i++)
		if (strcmp(usage_texts[i].cmd, cmd) == 0)
			return &usage_texts[i];
	return NULL;
}

int
usage_known(const char *cmd)
{
	return usage_find(cmd) != NULL;
}

/* Print the help for cmd (NULL: the overall help); -1 if there is none. */
int
usage_print(FILE *fp, const char *cmd)
{
	const struct usage	*u;

	if (cmd == NULL) {
		fputs(_(usage_main), fp);
		return 0;
	}
	if ((u = usage_find(cmd)) == NULL)
		return -1;
	fputs(_(u->text), fp);
	return 0;
}
