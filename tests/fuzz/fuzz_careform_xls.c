/*
 * Fuzz the care forms' xls reader (freexl) through careform_read(): the
 * input is an Excel 97-2003 file (an OLE2 compound file; others go to
 * the CSV harness). What a form read must hold: careform_check.h.
 */
#include <stdlib.h>
#include <string.h>

#include "careform_check.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	 ole2[] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
	};
	struct careform		 form;
	char			*cause = NULL;
	int			 rc;

	if (size < sizeof(ole2) || memcmp(data, ole2, sizeof(ole2)) != 0)
		return 0;
	rc = careform_read(data, size, &form, &cause);
	careform_check(&form, rc, cause);
	if (rc == 0)
		careform_free(&form);
	free(cause);
	return 0;
}
