/*
 * Asking the operator on a terminal: the schema's choices numbered,
 * answered by number or by code; a line of text; several lines, or
 * $EDITOR. "[current]" shows what Enter keeps. Questions go to stderr so
 * stdout stays the command's output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hotline.h"

#define PROMPT_SEPARATORS	", \t"
#define PROMPT_EDITOR		":e"	/* a notes line that opens $EDITOR */

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
prompt_read(void)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	if ((n = getline(&line, &cap, stdin)) == -1) {
		free(line);
		fputc('\n', stderr);
		return NULL;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	return line;
}

/*
 * Ask question, showing current (what Enter keeps) when there is one.
 * The answer without its newline (caller frees), "" for Enter; NULL at
 * the end of input.
 */
char *
prompt_ask(const char *question, const char *current)
{
	if (current != NULL)
		fprintf(stderr, "%s [%s]: ", question, current);
	else
		fprintf(stderr, "%s: ", question);
	fflush(stderr);
	return prompt_read();
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

/*
 * Ask for one code from list. *code: the answer (caller frees), or NULL
 * when Enter kept current or skipped an optional field. 0, or -1 at the
 * end of input.
 */
int
prompt_choice(const json_t *list, const char *label, const char *current,
    int required, char **code)
{
	const char	*pick;
	char		*line, *q;
	int		 done = 0, rv = 0;

	*code = NULL;
	q = xasprintf(required || current != NULL ? _("%s (number or code)") :
	    _("%s (number or code; Enter skips)"), label);
	prompt_show(list, label);
	while (!done) {
		if ((line = prompt_ask(q, current)) == NULL) {
			rv = -1;
			break;
		}
		if (line[0] == '\0')
			done = !required || current != NULL;
		else if ((pick = prompt_pick(list, line)) != NULL) {
			*code = xstrdup(pick);
			done = 1;
		} else
			fprintf(stderr, _("  '%s' is not one of the choices\n"),
			    line);
		free(line);
	}
	free(q);
	return rv;
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
			fprintf(stderr, _("  '%s' is not one of the choices\n"),
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

/*
 * Ask for one or more codes from list: the codes, an empty array when
 * Enter kept current, or NULL at the end of input.
 */
json_t *
prompt_codes(const json_t *list, const char *label, const char *current)
{
	json_t	*codes = NULL;
	char	*line, *q = xasprintf(_("%s (one or more numbers or codes, "
		    "separated by commas or blanks)"), label);

	prompt_show(list, label);
	while (codes == NULL && (line = prompt_ask(q, current)) != NULL) {
		if (line[0] == '\0' && current != NULL)
			codes = json_array();
		else
			codes = prompt_words(list, line);
		free(line);
	}
	free(q);
	return codes;
}

/* Edit text in $EDITOR (default vi): the file's text, or NULL. */
static char *
prompt_editor(const char *text)
{
	char		 path[] = "/tmp/hotline-notes-XXXXXX";
	const char	*ed = getenv("VISUAL");
	char		*cmd, *out = NULL;
	FILE		*fp;
	int		 fd, st;
	size_t		 cap = 0;
	ssize_t		 n;

	if (ed == NULL || ed[0] == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || ed[0] == '\0')
		ed = "vi";
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	if (text != NULL && write(fd, text, strlen(text)) == -1) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	/* The notes are personal: the file is the operator's (0600), and
	   gone as soon as it is read. */
	cmd = xasprintf("%s %s", ed, path);
	st = system(cmd);
	free(cmd);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    (fp = fopen(path, "r")) != NULL) {
		if ((n = getdelim(&out, &cap, '\0', fp)) == -1) {
			free(out);
			out = xstrdup("");
		}
		fclose(fp);
		while (n > 0 && isspace((unsigned char)out[n - 1]))
			out[--n] = '\0';
	}
	unlink(path);
	return out;
}

/*
 * Several lines of text, ended by an empty line; ":e" on the first line
 * opens $EDITOR. The text ("" for none, or Enter keeping current; caller
 * frees), or NULL at the end of input.
 */
char *
prompt_text(const char *label, const char *current)
{
	char	*text = xstrdup(""), *line, *next, *ed;

	fprintf(stderr, _("%s (several lines, an empty line ends; %s opens "
	    "the editor)\n"), label, PROMPT_EDITOR);
	if (current != NULL)
		fprintf(stderr, _("  now: %s (Enter keeps it)\n"), current);
	for (;;) {
		fputs("> ", stderr);
		fflush(stderr);
		if ((line = prompt_read()) == NULL || line[0] == '\0')
			break;
		if (text[0] == '\0' && strcmp(line, PROMPT_EDITOR) == 0) {
			free(line);
			free(text);
			if ((ed = prompt_editor(current)) == NULL)
				msg_error(_("the editor failed; type the notes "
				    "here"));
			return ed != NULL ? ed : prompt_text(label, current);
		}
		next = xasprintf("%s%s%s", text, text[0] ? "\n" : "", line);
		free(text);
		free(line);
		text = next;
	}
	if (line == NULL) {
		free(text);
		return NULL;
	}
	free(line);
	return text;
}
