/*
 * Asking the operator, on a terminal, for a required field that was not
 * given: the schema's choices numbered, answered by number or by code.
 * Questions go to stderr so stdout stays the command's output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

#define PROMPT_SEPARATORS	", \t"

static void
prompt_show(const json_t *list, const char *label)
{
	struct table	*t = table_new(3);
	const char	*cells[3];
	json_t		*e;
	size_t		 i;
	char		*num;

	table_align_right(t, 0);
	json_array_foreach(list, i, e) {
		num = xasprintf("%zu)", i + 1);
		cells[0] = num;
		cells[1] = json_string_value(json_object_get(e, "code"));
		cells[2] = json_string_value(json_object_get(e, "name"));
		table_add_row(t, cells);
		free(num);
	}
	fprintf(stderr, "%s:\n", label);
	table_print(t, stderr, "  ");
	table_free(t);
}

/* One line from stdin without its newline (caller frees); NULL at EOF. */
static char *
prompt_line(const char *question)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	fprintf(stderr, "%s: ", question);
	fflush(stderr);
	if ((n = getline(&line, &cap, stdin)) == -1) {
		free(line);
		fputc('\n', stderr);
		return NULL;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	return line;
}

/* The code an answer word stands for (a number from 1, or a code). */
static const char *
prompt_pick(const json_t *list, const char *word)
{
	json_t		*e;
	const char	*code;
	char		*end;
	long		 n;
	size_t		 i;

	if (isdigit((unsigned char)word[0])) {
		errno = 0;
		n = strtol(word, &end, 10);
		if (errno == 0 && *end == '\0' && n >= 1 &&
		    (size_t)n <= json_array_size(list))
			return json_string_value(json_object_get(
			    json_array_get(list, (size_t)n - 1), "code"));
	}
	json_array_foreach(list, i, e) {
		code = json_string_value(json_object_get(e, "code"));
		if (code != NULL && strcmp(code, word) == 0)
			return code;
	}
	return NULL;
}

static int
prompt_has(const json_t *codes, const char *code)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(codes, i, e)
		if (strcmp(json_string_value(e), code) == 0)
			return 1;
	return 0;
}

/* Ask for one code from list; caller frees; NULL if stdin ended. */
char *
prompt_code(const json_t *list, const char *label)
{
	const char	*code;
	char		*line, *q = xasprintf("%s (number or code)", label);

	prompt_show(list, label);
	for (;;) {
		if ((line = prompt_line(q)) == NULL)
			break;
		code = line[0] != '\0' ? prompt_pick(list, line) : NULL;
		if (code == NULL && line[0] != '\0')
			fprintf(stderr, "  '%s' is not one of the choices\n",
			    line);
		free(line);
		if (code != NULL) {
			free(q);
			return xstrdup(code);
		}
	}
	free(q);
	return NULL;
}

/* Resolve every word of line into codes; NULL (said why) if one is unknown. */
static json_t *
prompt_words(const json_t *list, char *line)
{
	json_t		*codes = json_array();
	const char	*code;
	char		*word, *save = NULL;

	for (word = strtok_r(line, PROMPT_SEPARATORS, &save); word != NULL;
	    word = strtok_r(NULL, PROMPT_SEPARATORS, &save)) {
		if ((code = prompt_pick(list, word)) == NULL) {
			fprintf(stderr, "  '%s' is not one of the choices\n",
			    word);
			json_decref(codes);
			return NULL;
		}
		/* The server refuses repeats; "1 1" is a slip, not a refusal. */
		if (!prompt_has(codes, code))
			json_array_append_new(codes, json_string(code));
	}
	if (json_array_size(codes) == 0) {
		json_decref(codes);
		return NULL;
	}
	return codes;
}

/* Ask for one or more codes from list; NULL if stdin ended. */
json_t *
prompt_codes(const json_t *list, const char *label)
{
	json_t	*codes = NULL;
	char	*line, *q = xasprintf("%s (one or more numbers or codes, "
		    "separated by commas or blanks)", label);

	prompt_show(list, label);
	while (codes == NULL && (line = prompt_line(q)) != NULL) {
		codes = prompt_words(list, line);
		free(line);
	}
	free(q);
	return codes;
}
