/*
 * Inside the config loader: the loader's state and the setting readers
 * that config.c and config_pbx.c share. Included by config*.c only.
 */
#ifndef HOTLINED_CONFIG_INT_H
#define HOTLINED_CONFIG_INT_H

#include <libconfig.h>

#include "hotlined.h"

struct loader {
	const char	*ld_path;
	char		*ld_cause;	/* first error, caller frees */
};

int	ld_error(struct loader *, const config_setting_t *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
int	ld_known(struct loader *, const config_setting_t *, const char *,
	    const char *const *);
int	ld_group(struct loader *, const config_setting_t *, const char *,
	    config_setting_t **);
int	ld_string(struct loader *, const config_setting_t *, const char *,
	    const char *, const char *, char **);
int	ld_group_duration(struct loader *, const config_setting_t *,
	    const char *, const char *, int64_t, int64_t, int64_t, long *);

int	ld_long(struct loader *, const config_setting_t *, const char *,
	    const char *, long, long, long, long *);
int	ld_codes_with(struct loader *, const config_setting_t *,
	    const char *, struct code_list *, const char *const *);
void	config_free_codes(struct code_list *);

/* config_pbx.c */
int	ld_pbx(struct loader *, const config_setting_t *, struct config *);
void	config_pbx_free(struct pbx_conf *);

/* config_crisis.c */
int	ld_crisis(struct loader *, const config_setting_t *, struct config *);
/* config_care.c */
int	ld_care(struct loader *, const config_setting_t *, struct config *);
void	config_care_free(struct care_conf *);

#endif /* HOTLINED_CONFIG_INT_H */
