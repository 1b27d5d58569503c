/*
 * Inside the care forms (careform.c and careform_*.c alone): each reader
 * turns a file's bytes into a grid of cells, careform.c finds the layout
 * in the grid and makes rows of it.
 */
#ifndef CAREFORM_INT_H
#define CAREFORM_INT_H

#include <stddef.h>

#include "careform.h"

#define CAREFORM_MAX_COLS	256	/* cells further right are ignored */
#define CAREFORM_MAX_TEXT	(64u * 1024 * 1024)	/* all cells' bytes */
#define CAREFORM_MAX_FILLS	1000000	/* cells merged over, in all */
#define CAREFORM_MAX_UNZIP	(128u * 1024 * 1024)	/* an xlsx's parts */

/*
 * One line of a sheet: cells by column from 0, each NUL-terminated UTF-8
 * as the file holds it (not trimmed) or NULL. cover[c] is set when the
 * cell lies inside a merged range right of its first column.
 */
struct cfgrid_row {
	char		**gr_cells;
	unsigned char	 *gr_cover;
	size_t		  gr_ncells;
};

/* A merged range, rows and columns from 0, inclusive. */
struct cfgrid_merge {
	size_t	gm_r1, gm_c1, gm_r2, gm_c2;
};

struct cfgrid {
	struct cfgrid_row	*g_rows;	/* g_rows[i] is line i + 1 */
	size_t			 g_nrows, g_caprows;
	struct cfgrid_merge	*g_merges;
	size_t			 g_nmerges, g_capmerges;
	size_t			 g_bytes;	/* of text held */
};

/* careform.c */
int	 cfgrid_set(struct cfgrid *, size_t, size_t, const char *, size_t,
	    char **);
int	 cfgrid_merge(struct cfgrid *, size_t, size_t, size_t, size_t,
	    char **);
void	 cfgrid_free(struct cfgrid *);
int	 careform_number(const char *, char *, size_t);
char	*careform_printf(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

/* careform_clean.c */
#define CAREFORM_CLEAN_LINES	0x1
#define CAREFORM_CLEAN_NAME	0x2
char	*careform_clean(const char *, int, int *);
int	 careform_phone(const char *, char *, size_t, int *);

/* The readers: 0, or -1 with *cause (caller frees). */
int	 careform_csv_read(const void *, size_t, struct cfgrid *, char **);
int	 careform_xlsx_read(const void *, size_t, struct cfgrid *, char **);
int	 careform_xls_read(const void *, size_t, struct cfgrid *, char **);

/* The columns a layout is written with (careform_write.c). */
enum careform_field {
	CF_SEQ = 0, CF_NAME, CF_GENDER, CF_CATEGORY, CF_POST, CF_PHONE,
	CF_FAMILY_NAME, CF_FAMILY_RELATION, CF_FAMILY_PHONE, CF_LIAISON,
	CF_LIAISON_PHONE, CF_DIFFICULTIES, CF_UNIT, CF_TEAM, CF_HUBEI_PHONE,
	CF_CARRIER, CF_NFIELDS
};
char	**careform_field(struct careform_row *, enum careform_field);

/* Where each field is in the sheet, and its heading as spelled there. */
struct careform_map {
	long	 m_col[CF_NFIELDS];	/* -1: no such column */
	char	 m_head[CF_NFIELDS][128];
	int	 m_found;		/* fields but 序号 */
	size_t	 m_first, m_last;	/* the heading's lines */
};

/* careform_head.c */
const char *careform_cell(const struct cfgrid *, size_t, size_t);
int	 careform_recognise(const char *);
int	 careform_find_map(const struct cfgrid *, struct careform_map *);
int	 careform_titles(const struct cfgrid *, size_t, struct careform *,
	    enum careform_layout *, char **);
char	*careform_unknown(const struct cfgrid *);
const char *careform_heading(enum careform_field);
const char *careform_form_name(enum careform_layout);

int	 careform_write_csv(int, enum careform_layout, const char *,
	    const struct careform_row *, size_t, char **);
int	 careform_write_xlsx(int, enum careform_layout, const char *,
	    const struct careform_row *, size_t, char **);

#endif /* CAREFORM_INT_H */
