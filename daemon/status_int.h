/*
 * Inside the status family (status.c, status_render.c, status_http.c):
 * the counters' layout, read by the renderer, and the snapshot that the
 * renderer hands to the status thread. Nothing outside status*.c
 * includes this: the rest of the daemon sees status.h and server.h.
 *
 * The renderer reads the counters in place, through a const pointer
 * (status_counts()), because it walks whole vectors of them; what it
 * must change (the day's roll, a configured line not yet counted, a
 * lock failure a probe has cleared) goes through functions of status.c.
 */
#ifndef HOTLINED_STATUS_INT_H
#define HOTLINED_STATUS_INT_H

#include "status.h"

struct batch;

#define STATUS_MINUTES		60	/* "last hour", by the minute */
#define STATUS_NBUCKETS		12

/* Commit durations, seconds: the histogram's upper bounds. */
extern const double status_buckets[STATUS_NBUCKETS];

struct status_line {
	char		*sl_code;
	uint64_t	 sl_today;
	int64_t		 sl_last;		/* latest start; 0: none */
	int64_t		 sl_min_at[STATUS_MINUTES]; /* UTC minute of slot */
	uint64_t	 sl_min_n[STATUS_MINUTES];
};

struct status_total {
	char		*st_line;
	char		*st_caller;
	char		*st_risk;
	uint64_t	 st_n;
};

struct status_code {
	char		*sc_listener;
	int		 sc_code;
	uint64_t	 sc_n;
};

struct status_vec {
	void		*v;
	size_t		 n;
	size_t		 cap;
};

/*
 * The counters, the main loop's. st_tcodes and st_tconns are the status
 * thread's, under status.c's mutex: read them with status_codes_all()
 * and status_conns_all() only.
 */
struct status_counts {
	int64_t			 st_day_start;	/* the local day being counted */
	int64_t			 st_day_end;
	struct status_vec	 st_lines;	/* struct status_line */
	struct status_vec	 st_totals;	/* struct status_total */
	struct status_vec	 st_codes;	/* struct status_code */
	struct status_vec	 st_ops;	/* char *, active today */
	struct status_vec	 st_pending;	/* struct status_pending */
	int64_t			 st_conns;
	int64_t			 st_last_commit;
	uint64_t		 st_hist[STATUS_NBUCKETS + 1];
	uint64_t		 st_hist_count;
	double			 st_hist_sum;
	char			 st_commit_fail[256];	/* until a write works */
	char			 st_lock_fail[256];	/* until a probe works */
	void			(*st_change)(int, void *); /* the renderer */
	void			*st_change_arg;
	struct status_vec	 st_tcodes;	/* the status listeners' answers */
	int64_t			 st_tconns;
};

/* What the status thread serves: rendered by the main loop. */
struct status_snap {
	int		 sn_refs;	/* under status_render.c's mutex */
	int64_t		 sn_at_us;	/* monotonic, when rendered */
	int		 sn_stopping;
	char		*sn_why;	/* NULL: the store is ok */
	char		*sn_json;
	size_t		 sn_json_len;
	char		*sn_metrics;
	size_t		 sn_metrics_len;
};

/* status.c */
const struct status_counts *status_counts(void);
int		 status_load(struct store *, int64_t, char **);
void		 status_counts_free(void);
struct status_line *status_line(const char *);
void		 status_roll(int64_t);
void		 status_rebound(void);
uint64_t	 status_last_hour(const struct status_line *, int64_t);
void		 status_codes_all(struct status_vec *);
void		 status_codes_free(struct status_vec *);
int64_t		 status_conns_all(void);
void		 status_lock_ok(void);

/* status_render.c */
int		 status_render_init(struct event_base *, struct store *,
		    struct batch *, const struct config *, char **);
void		 status_render_set_config(const struct config *);
void		 status_render_free(void);
struct status_snap *status_snap_get(void);
void		 status_snap_unref(struct status_snap *);

#endif /* HOTLINED_STATUS_INT_H */
