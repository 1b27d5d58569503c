/*
 * gen: realistic call records for the benchmarks. ingest sends them as
 * JSON; ceiling stores the same fields straight into SQLite, so both
 * benchmarks write rows of the same shape and size.
 */
#ifndef GEN_H
#define GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_NOTES_MAX	4096	/* bytes; the notes are a few hundred chars */

struct gen {
	uint64_t	g_state;	/* xorshift64*: same seed, same calls */
};

struct rec {
	const char	*r_line;
	int64_t		 r_started;	/* UTC seconds */
	int		 r_duration;
	const char	*r_call_type;
	const char	*r_caller_type;
	const char	*r_gender;	/* NULL: not given */
	const char	*r_age_band;
	const char	*r_topics[3];
	int		 r_ntopics;
	const char	*r_risk;
	const char	*r_outcome;
	int64_t		 r_callback;	/* 0: none */
	char		 r_notes[GEN_NOTES_MAX];
	int		 r_consent;
	const char	*r_name;	/* only with consent */
	const char	*r_contact;
	char		 r_number[24];	/* "" : not given */
	const char	*r_assess[4];	/* NULL: no assessment */
	int		 r_emergency;
};

void	 gen_init(struct gen *, uint64_t);
void	 gen_seed(struct gen *, uint64_t);
uint64_t gen_next(struct gen *);
void	 gen_record(struct gen *, struct rec *, int64_t);
int	 gen_json(const struct rec *, char *, size_t);
void	 gen_time(int64_t, char *, size_t);
void	 gen_uuid(struct gen *, char *);	/* 37 bytes */

#endif /* GEN_H */
