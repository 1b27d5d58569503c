/*
 * Fuzz the care forms' xlsx reader through careform_read(). A zip's
 * checksums would turn away nearly every mutation of a whole file, so
 * the input is the XML that matters: a sheet, then (after a NUL byte)
 * the shared strings; the harness zips them (libzip, in memory) with a
 * workbook and its relationships. An input that starts with PK is taken
 * as a whole zip instead, for the zip's own handling. What a form read
 * must hold: careform_check.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "careform_check.h"
#include "fuzz.h"

static const char fuzz_book[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns:r=\"r\">"
    "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
static const char fuzz_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships>"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
    "Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

static int
fuzz_add(zip_t *z, const char *name, const void *p, size_t n)
{
	zip_source_t	*s;

	if ((s = zip_source_buffer(z, p, n, 0)) == NULL)
		return -1;
	if (zip_file_add(z, name, s, 0) < 0) {
		zip_source_free(s);
		return -1;
	}
	zip_set_file_compression(z, zip_name_locate(z, name, 0),
	    ZIP_CM_STORE, 0);
	return 0;
}

/* The zip of the parts, into *out (caller frees); its length, or 0. */
static size_t
fuzz_zip(const uint8_t *data, size_t size, char **out)
{
	zip_source_t	*src;
	zip_t		*z;
	zip_stat_t	 st;
	const uint8_t	*nul;
	size_t		 sheet = size;

	*out = NULL;
	if ((nul = memchr(data, '\0', size)) != NULL)
		sheet = (size_t)(nul - data);
	if ((src = zip_source_buffer_create(NULL, 0, 0, NULL)) == NULL)
		return 0;
	zip_source_keep(src);
	if ((z = zip_open_from_source(src, ZIP_TRUNCATE, NULL)) == NULL) {
		zip_source_free(src);
		return 0;
	}
	if (fuzz_add(z, "xl/workbook.xml", fuzz_book,
	    sizeof(fuzz_book) - 1) == -1 ||
	    fuzz_add(z, "xl/_rels/workbook.xml.rels", fuzz_rels,
	    sizeof(fuzz_rels) - 1) == -1 ||
	    fuzz_add(z, "xl/worksheets/sheet1.xml", data, sheet) == -1 ||
	    (nul != NULL && fuzz_add(z, "xl/sharedStrings.xml", nul + 1,
	    size - sheet - 1) == -1) || zip_close(z) == -1) {
		zip_discard(z);
		zip_source_free(src);
		return 0;
	}
	if (zip_source_stat(src, &st) == -1 || zip_source_open(src) == -1 ||
	    (*out = malloc(st.size)) == NULL ||
	    zip_source_read(src, *out, st.size) != (zip_int64_t)st.size)
		abort();
	zip_source_close(src);
	zip_source_free(src);
	return (size_t)st.size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct careform	 form;
	char		*cause = NULL, *zip;
	size_t		 len;
	int		 rc;

	if (size >= 2 && memcmp(data, "PK", 2) == 0) {
		rc = careform_read(data, size, &form, &cause);
		careform_check(&form, rc, cause);
	} else {
		if ((len = fuzz_zip(data, size, &zip)) == 0)
			return 0;
		rc = careform_read(zip, len, &form, &cause);
		careform_check(&form, rc, cause);
		free(zip);
	}
	if (rc == 0)
		careform_free(&form);
	free(cause);
	return 0;
}
