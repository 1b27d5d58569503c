/*
 * Realistic call records: the codes of conf/dev.conf, weighted roughly as
 * a hotline sees them (most calls low risk, a few urgent), and notes of a
 * few hundred Chinese characters, the bulk of every row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define GEN_NUMBERS	2000	/* distinct callers: some call again */

struct weighted {
	const char	*w_code;
	int		 w_weight;
};

static const struct weighted lines[] = {
	{ "400", 60 }, { "9120", 25 }, { "2325", 15 },
};
static const struct weighted caller_types[] = {
	{ "medic", 30 }, { "medic_family", 15 }, { "aid_team", 10 },
	{ "aid_team_family", 10 }, { "member", 25 }, { "other", 10 },
};
static const struct weighted risks[] = {
	{ "none", 40 }, { "low", 35 }, { "moderate", 15 }, { "high", 8 },
	{ "imminent", 2 },
};
static const struct weighted outcomes[] = {
	{ "counseled", 60 }, { "referred", 15 }, { "callback", 15 },
	{ "hung_up", 10 },
};
static const char *const topics[] = {
	"anxiety", "low_mood", "sleep", "stress", "grief", "family", "work",
	"legal", "infection_fear", "other",
};
static const char *const genders[] = { "f", "m", "x" };
static const char *const age_bands[] = {
	"<18", "18-29", "30-39", "40-49", "50-59", "60+",
};
static const char *const answers[] = { "yes", "no", "unknown" };
static const char *const names[] = {
	"王女士", "李先生", "张女士", "刘先生", "陈女士", "杨先生",
};

/* The notes: what a counselor writes down, in sentences. */
static const char *const sentences[] = {
	"来电者为一线护士，连续值班两周，自述入睡困难，夜间多次惊醒。",
	"担心自己在工作中被感染，进而传染给家中年迈的父母和孩子。",
	"近一周情绪低落，对以前喜欢的事情提不起兴趣，食欲明显下降。",
	"丈夫随援鄂医疗队出发后联系较少，来电者感到孤单和无助。",
	"咨询员倾听并共情，肯定其在疫情中的付出，帮助其梳理担忧。",
	"引导来电者进行腹式呼吸放松练习，来电者表示紧张有所缓解。",
	"评估来电者目前无自伤想法，社会支持系统较好，有家人陪伴。",
	"建议保持规律作息，减少睡前浏览疫情信息的时间，适当运动。",
	"来电者询问复工后单位是否可以扣发工资，已告知相关政策。",
	"家中老人近期离世，因防疫要求未能见最后一面，内疚感强烈。",
	"来电者反复描述当时的情景，哭泣较多，咨询员给予充分倾听。",
	"讨论了哀伤的正常反应，鼓励其以自己的方式纪念逝去的亲人。",
	"来电者表示单位工作压力大，同事之间关系紧张，常感到委屈。",
	"孩子居家上网课，亲子冲突增多，来电者感到疲惫和烦躁。",
	"与来电者一起制定了每日的小目标，并约定一周后电话回访。",
	"来电者提到曾有过不想活的念头，但没有具体计划和准备。",
	"已按流程评估风险，告知危机干预热线和就近医院的急诊信息。",
	"来电者同意在情绪难以控制时联系家人或再次拨打本热线。",
	"建议到精神卫生中心进一步评估睡眠和情绪问题，来电者接受。",
	"来电者对隔离期间的生活安排感到焦虑，担心收入受到影响。",
	"帮助来电者区分可以控制和无法控制的事情，聚焦当下。",
	"通话结束时来电者情绪较为平稳，表示感谢，愿意尝试练习。",
};

static int64_t	gen_numbers[GEN_NUMBERS];

/* A generator of its own, for keys or hashes: the callers stay put. */
void
gen_seed(struct gen *g, uint64_t seed)
{
	/* xorshift must not start at zero. */
	g->g_state = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
}

/* The generator of calls; seeds the pool of callers' numbers too. */
void
gen_init(struct gen *g, uint64_t seed)
{
	size_t	 i;

	gen_seed(g, seed);
	for (i = 0; i < GEN_NUMBERS; i++)
		gen_numbers[i] = 13000000000LL + (int64_t)(gen_next(g) %
		    1000000000ULL);
}

uint64_t
gen_next(struct gen *g)
{
	g->g_state ^= g->g_state >> 12;
	g->g_state ^= g->g_state << 25;
	g->g_state ^= g->g_state >> 27;
	return g->g_state * 0x2545f4914f6cdd1dULL;
}

static unsigned
gen_below(struct gen *g, unsigned n)
{
	return (unsigned)(gen_next(g) % n);
}

static const char *
gen_pick(struct gen *g, const struct weighted *w, size_t n)
{
	size_t	 i;
	int	 total = 0, r;

	for (i = 0; i < n; i++)
		total += w[i].w_weight;
	r = (int)gen_below(g, (unsigned)total);
	for (i = 0; i < n - 1; i++) {
		if (r < w[i].w_weight)
			break;
		r -= w[i].w_weight;
	}
	return w[i].w_code;
}

/* 150 to 400 characters of sentences (3 bytes each in UTF-8). */
static void
gen_notes(struct gen *g, char *buf, size_t size)
{
	size_t	 want = 3 * (150 + gen_below(g, 251)), len = 0, n;
	const char *s;

	buf[0] = '\0';
	while (len < want) {
		s = sentences[gen_below(g, NELEM(sentences))];
		n = strlen(s);
		if (len + n >= size)
			break;
		memcpy(buf + len, s, n + 1);
		len += n;
	}
}

static int
gen_risk_rank(const char *risk)
{
	size_t	 i;

	for (i = 0; i < NELEM(risks); i++)
		if (strcmp(risks[i].w_code, risk) == 0)
			return (int)i;
	return 0;
}

/* One call that ended shortly before now. */
void
gen_record(struct gen *g, struct rec *r, int64_t now)
{
	int	 i, k;

	memset(r, 0, sizeof(*r));
	r->r_line = gen_pick(g, lines, NELEM(lines));
	r->r_duration = 60 + (int)gen_below(g, 3540);
	r->r_started = now - r->r_duration - gen_below(g, 6 * 3600);
	r->r_call_type = "counseling";
	r->r_caller_type = gen_pick(g, caller_types, NELEM(caller_types));
	if (gen_below(g, 10) < 8) {
		r->r_gender = genders[gen_below(g, NELEM(genders))];
		r->r_age_band = age_bands[gen_below(g, NELEM(age_bands))];
	}
	r->r_ntopics = 1 + (int)gen_below(g, 3);
	for (i = 0; i < r->r_ntopics; i++) {
		/* Topics may not repeat: draw again until new. */
		do {
			r->r_topics[i] = topics[gen_below(g, NELEM(topics))];
			for (k = 0; k < i; k++)
				if (r->r_topics[k] == r->r_topics[i])
					break;
		} while (k < i);
	}
	r->r_risk = gen_pick(g, risks, NELEM(risks));
	if (gen_risk_rank(r->r_risk) >= gen_risk_rank("moderate"))
		for (i = 0; i < 4; i++)
			r->r_assess[i] = answers[gen_below(g, 3)];
	if (gen_risk_rank(r->r_risk) >= gen_risk_rank("high")) {
		r->r_outcome = gen_below(g, 2) ? "emergency" : "referred";
		r->r_emergency = strcmp(r->r_outcome, "emergency") == 0;
	} else
		r->r_outcome = gen_pick(g, outcomes, NELEM(outcomes));
	if (strcmp(r->r_outcome, "callback") == 0)
		r->r_callback = now + 86400 * (1 + gen_below(g, 7));
	gen_notes(g, r->r_notes, sizeof(r->r_notes));
	if (gen_below(g, 10) < 2) {
		r->r_consent = 1;
		r->r_name = names[gen_below(g, NELEM(names))];
		r->r_contact = "0532-8566 9120 转 1234";
	}
	if (gen_below(g, 10) < 7)
		snprintf(r->r_number, sizeof(r->r_number), "%lld",
		    (long long)gen_numbers[gen_below(g, GEN_NUMBERS)]);
}

/* RFC 3339 in the hotline's zone (+08:00, no daylight saving). */
void
gen_time(int64_t t, char *buf, size_t size)
{
	time_t	 local = (time_t)(t + 8 * 3600);
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

void
gen_uuid(struct gen *g, char *buf)
{
	uint64_t hi = gen_next(g), lo = gen_next(g);

	/* Version 4, variant 1, as a client library would make it. */
	snprintf(buf, 37, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(hi >> 32), (unsigned)(hi >> 16) & 0xffff,
	    (unsigned)hi & 0x0fff, (unsigned)((lo >> 48) & 0x3fff) | 0x8000,
	    (unsigned long long)(lo & 0xffffffffffffULL));
}

struct out {
	char	*o_buf;
	size_t	 o_size, o_len;
	int	 o_full;
};

static void out_add(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (o->o_full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->o_buf + o->o_len, o->o_size - o->o_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->o_size - o->o_len)
		o->o_full = 1;
	else
		o->o_len += (size_t)n;
}

/*
 * The POST body. No string here needs escaping (codes, digits, and
 * notes without quotes or backslashes), so plain printf is safe.
 */
int
gen_json(const struct rec *r, char *buf, size_t size)
{
	struct out	 o = { buf, size, 0, 0 };
	char		 t[40];
	int		 i;

	gen_time(r->r_started, t, sizeof(t));
	out_add(&o, "{\"line\":\"%s\",\"started_at\":\"%s\",\"duration_s\":%d,"
	    "\"call_type\":\"%s\",\"caller_type\":\"%s\"", r->r_line, t,
	    r->r_duration, r->r_call_type, r->r_caller_type);
	if (r->r_gender != NULL)
		out_add(&o, ",\"gender\":\"%s\",\"age_band\":\"%s\"",
		    r->r_gender, r->r_age_band);
	out_add(&o, ",\"topics\":[");
	for (i = 0; i < r->r_ntopics; i++)
		out_add(&o, "%s\"%s\"", i ? "," : "", r->r_topics[i]);
	out_add(&o, "],\"risk\":\"%s\",\"outcome\":\"%s\"", r->r_risk,
	    r->r_outcome);
	if (r->r_callback != 0) {
		gen_time(r->r_callback, t, sizeof(t));
		out_add(&o, ",\"callback_at\":\"%s\"", t);
	}
	out_add(&o, ",\"notes\":\"%s\",\"consent\":%s", r->r_notes,
	    r->r_consent ? "true" : "false");
	if (r->r_consent)
		out_add(&o, ",\"caller_name\":\"%s\",\"caller_contact\":\"%s\"",
		    r->r_name, r->r_contact);
	if (r->r_number[0] != '\0')
		out_add(&o, ",\"caller_number\":\"%s\"", r->r_number);
	if (r->r_assess[0] != NULL)
		out_add(&o, ",\"risk_assessment\":{\"desire\":\"%s\","
		    "\"capability\":\"%s\",\"intent\":\"%s\",\"buffers\":\"%s\"}",
		    r->r_assess[0], r->r_assess[1], r->r_assess[2],
		    r->r_assess[3]);
	out_add(&o, ",\"emergency_contacted\":%s}",
	    r->r_emergency ? "true" : "false");
	return o.o_full ? -1 : (int)o.o_len;
}
