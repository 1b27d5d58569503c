/*
 * A form saved as .xls (Excel 97-2003, BIFF), into a grid, with freexl.
 *
 * freexl is the one library Debian has for the format, and its parser
 * is not safe on hostile files: fuzzing freexl 1.0.6 (Debian 12) finds
 * a stack buffer read out of bounds inside freexl_open() within seconds
 * (tests/fuzz/regress/careform_xls/). So it never runs in the daemon:
 * a child process (fork) parses the file, under limits on its memory
 * and CPU time, and sends the cells back over a pipe as records
 * (row, column, length, bytes) that the parent checks before it keeps
 * them. A child that crashes, overruns or sends nonsense costs that
 * file alone ("cannot be read"); the daemon goes on. The child keeps no
 * descriptor of the daemon's (the store, the sockets: all closed but
 * the file and the pipe) and, where the architecture is known, a
 * seccomp filter refuses it what a parser never does: running a
 * program, a socket, tracing, a new process, a signal to another, and
 * opening or changing a file for writing.
 *
 * freexl opens a path, not memory: the bytes go into an anonymous file
 * (memfd_create) that the child opens by its /proc/self/fd name. Numbers
 * come back as a person reads them (a phone kept as a number, as its
 * digits); dates as freexl writes them. freexl says nothing of merged
 * ranges: a value merged over several rows of an .xls comes back in its
 * first row only (saving the form as .xlsx keeps them).
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <freexl.h>

#include "careform_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define CAREFORM_XLS_SANITIZED
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAREFORM_XLS_SANITIZED
#endif
#endif

#define XLS_CHILD_MEMORY	(1024L * 1024 * 1024)	/* heap and such */
#define XLS_CHILD_CPU		20	/* seconds */
#define XLS_WAIT_MS		60000	/* for the child's next bytes */
#define XLS_CELL_MAX		(64u * 1024)	/* bytes: BIFF8 holds less */

/* What the child sends: a cell, or the end with freexl's status. */
struct xls_record {
	uint32_t	xr_row;
	uint32_t	xr_col;		/* UINT32_MAX: the end */
	uint32_t	xr_len;		/* a cell: bytes that follow; the end:
					   0, or freexl's error, or 1 for a
					   workbook protected by a password */
};

#define XLS_END		UINT32_MAX
#define XLS_PROTECTED	UINT32_MAX

/* An anonymous file holding LEN bytes of BUF; -1 and *cause if not. */
static int
careform_xls_file(const void *buf, size_t len, char **cause)
{
	const char	*p = buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = memfd_create("careform.xls", MFD_CLOEXEC)) == -1) {
		*cause = careform_printf("memfd_create: %s", strerror(errno));
		return -1;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = careform_printf("memfd: %s", strerror(errno));
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return fd;
}

static int
careform_xls_send(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In the child: one cell as text, sent. */
static int
careform_xls_cell(int out, unsigned int r, unsigned short c,
    const FreeXL_CellValue *v)
{
	struct xls_record	 rec;
	char			 num[64];
	const char		*s;

	switch (v->type) {
	case FREEXL_CELL_INT:
		snprintf(num, sizeof(num), "%d", v->value.int_value);
		s = num;
		break;
	case FREEXL_CELL_DOUBLE:
		if (snprintf(num, sizeof(num), "%.17g", v->value.double_value) >=
		    (int)sizeof(num) || careform_number(num, num,
		    sizeof(num)) == -1)
			return 0;
		s = num;
		break;
	case FREEXL_CELL_TEXT:
	case FREEXL_CELL_SST_TEXT:
	case FREEXL_CELL_DATE:
	case FREEXL_CELL_DATETIME:
	case FREEXL_CELL_TIME:
		s = v->value.text_value;
		break;
	default:
		return 0;
	}
	if (s == NULL || *s == '\0')
		return 0;
	rec.xr_row = r;
	rec.xr_col = c;
	rec.xr_len = (uint32_t)strnlen(s, XLS_CELL_MAX);
	if (careform_xls_send(out, &rec, sizeof(rec)) == -1 ||
	    careform_xls_send(out, s, rec.xr_len) == -1)
		return -1;
	return 0;
}

#if defined(__x86_64__)
#define XLS_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define XLS_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#define XLS_DENY(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

/*
 * In the child: what a parser never does, refused (EPERM). Opening for
 * writing is refused by its flags (openat's third argument).
 */
static void
careform_xls_confine(void)
{
#ifdef XLS_AUDIT_ARCH
	struct sock_filter	 f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, XLS_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
		/* x32 system calls (numbers with bit 30 set): none. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		XLS_DENY(SYS_execve), XLS_DENY(SYS_execveat),
		XLS_DENY(SYS_socket), XLS_DENY(SYS_connect),
		XLS_DENY(SYS_ptrace), XLS_DENY(SYS_clone),
#ifdef SYS_clone3
		XLS_DENY(SYS_clone3),
#endif
		XLS_DENY(SYS_kill), XLS_DENY(SYS_tgkill), XLS_DENY(SYS_tkill),
		XLS_DENY(SYS_rt_sigqueueinfo), XLS_DENY(SYS_rt_tgsigqueueinfo),
#ifdef SYS_pidfd_send_signal
		XLS_DENY(SYS_pidfd_send_signal), XLS_DENY(SYS_pidfd_open),
#endif
		XLS_DENY(SYS_process_vm_readv), XLS_DENY(SYS_process_vm_writev),
		XLS_DENY(SYS_fchmod), XLS_DENY(SYS_fchown),
		XLS_DENY(SYS_setxattr), XLS_DENY(SYS_lsetxattr),
		XLS_DENY(SYS_fsetxattr), XLS_DENY(SYS_removexattr),
		XLS_DENY(SYS_lremovexattr), XLS_DENY(SYS_fremovexattr),
		XLS_DENY(SYS_linkat), XLS_DENY(SYS_symlinkat),
		XLS_DENY(SYS_mknodat), XLS_DENY(SYS_ftruncate),
		XLS_DENY(SYS_unlinkat), XLS_DENY(SYS_renameat),
#ifdef SYS_renameat2
		XLS_DENY(SYS_renameat2),
#endif
		XLS_DENY(SYS_truncate), XLS_DENY(SYS_fchmodat),
		XLS_DENY(SYS_fchownat), XLS_DENY(SYS_mkdirat),
#ifdef SYS_open		/* the old calls glibc no longer makes */
		XLS_DENY(SYS_open), XLS_DENY(SYS_creat),
		XLS_DENY(SYS_fork), XLS_DENY(SYS_vfork),
		XLS_DENY(SYS_unlink), XLS_DENY(SYS_rename),
		XLS_DENY(SYS_mkdir), XLS_DENY(SYS_chmod),
		XLS_DENY(SYS_chown), XLS_DENY(SYS_lchown),
		XLS_DENY(SYS_link), XLS_DENY(SYS_symlink),
		XLS_DENY(SYS_mknod), XLS_DENY(SYS_rmdir),
#endif
#ifdef SYS_openat2
		XLS_DENY(SYS_openat2),
#endif
#ifdef SYS_io_uring_setup
		XLS_DENY(SYS_io_uring_setup),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
		    O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	 prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		_exit(1);	/* unconfined, it does not parse */
#endif
}

/*
 * In the child: the file on descriptor 3, the pipe on 4, nothing else
 * of the daemon's open.
 */
static void
careform_xls_fds(int *in, int *out)
{
	if (*out == 3 && (*out = fcntl(*out, F_DUPFD, 5)) == -1)
		_exit(1);
	if ((*in != 3 && dup2(*in, 3) == -1) ||
	    (*out != 4 && dup2(*out, 4) == -1))
		_exit(1);
	*in = 3;
	*out = 4;
	if (close_range(5, ~0U, 0) == -1)
		_exit(1);
}

/* In the child: the first sheet's cells, then the end. Never returns. */
static void
careform_xls_child(int in, int out)
{
	struct rlimit		 mem = { XLS_CHILD_MEMORY, XLS_CHILD_MEMORY };
	struct rlimit		 cpu = { XLS_CHILD_CPU, XLS_CHILD_CPU };
	struct xls_record	 end = { 0, XLS_END, 0 };
	FreeXL_CellValue	 v;
	const void		*xls = NULL;
	char			 path[64];
	unsigned int		 rows, r, info;
	unsigned short		 cols, c;
	int			 rc, null;

#ifndef CAREFORM_XLS_SANITIZED
	setrlimit(RLIMIT_DATA, &mem);
#else
	(void)mem;	/* a sanitizer's own mappings would not fit */
#endif
	setrlimit(RLIMIT_CPU, &cpu);
	signal(SIGPIPE, SIG_DFL);
	/* What freexl (or a sanitizer) may say of a hostile file is no news. */
	if ((null = open("/dev/null", O_WRONLY)) != -1) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	careform_xls_fds(&in, &out);
	careform_xls_confine();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", in);
	if ((rc = freexl_open(path, &xls)) != FREEXL_OK)
		end.xr_len = (uint32_t)(rc == 0 ? -1 : rc);
	else if (freexl_get_info(xls, FREEXL_BIFF_PASSWORD, &info) ==
	    FREEXL_OK && info == FREEXL_BIFF_OBFUSCATED)
		end.xr_len = XLS_PROTECTED;
	else if ((rc = freexl_select_active_worksheet(xls, 0)) != FREEXL_OK ||
	    (rc = freexl_worksheet_dimensions(xls, &rows, &cols)) !=
	    FREEXL_OK)
		end.xr_len = (uint32_t)rc;
	else {
		if (cols > CAREFORM_MAX_COLS)
			cols = CAREFORM_MAX_COLS;
		for (r = 0; r < rows && r < CAREFORM_MAX_ROWS + 1001u; r++)
			for (c = 0; c < cols; c++)
				if (freexl_get_cell_value(xls, r, c, &v) ==
				    FREEXL_OK && careform_xls_cell(out, r, c,
				    &v) == -1)
					_exit(1);
	}
	careform_xls_send(out, &end, sizeof(end));
	_exit(0);
}

/* In the parent: LEN bytes from the child, waiting at most XLS_WAIT_MS. */
static int
careform_xls_recv(int fd, void *p, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*s = p;
	ssize_t		 n;
	int		 rc;

	while (len > 0) {
		if ((rc = poll(&pfd, 1, XLS_WAIT_MS)) == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		if ((n = read(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In the parent: the child's records into the grid, checked. */
static int
careform_xls_cells(int in, struct cfgrid *g, char **cause)
{
	struct xls_record	 rec;
	char			*buf;

	if ((buf = malloc(XLS_CELL_MAX)) == NULL) {
		*cause = careform_printf("out of memory");
		return -1;
	}
	for (;;) {
		if (careform_xls_recv(in, &rec, sizeof(rec)) == -1)
			goto broken;
		if (rec.xr_col == XLS_END)
			break;
		if (rec.xr_len == 0 || rec.xr_len > XLS_CELL_MAX ||
		    rec.xr_col >= CAREFORM_MAX_COLS ||
		    careform_xls_recv(in, buf, rec.xr_len) == -1)
			goto broken;
		if (cfgrid_set(g, rec.xr_row, rec.xr_col, buf, rec.xr_len,
		    cause) == -1) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (rec.xr_len == XLS_PROTECTED) {
		*cause = careform_printf("the xls is protected by a password");
		return -1;
	}
	if (rec.xr_len != 0) {
		*cause = careform_printf("not an xls that can be read (freexl "
		    "error %d): an OLE2 file, but no Excel 97-2003 workbook, "
		    "or an encrypted one", (int)rec.xr_len);
		return -1;
	}
	return 0;
broken:
	free(buf);
	*cause = careform_printf("the xls cannot be read: its reader stopped "
	    "half-way (a damaged or hostile file)");
	return -1;
}

int
careform_xls_read(const void *buf, size_t len, struct cfgrid *g,
    char **cause)
{
	pid_t	 pid;
	int	 fd, p[2], rc, status;

	if ((fd = careform_xls_file(buf, len, cause)) == -1)
		return -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		*cause = careform_printf("pipe: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if ((pid = fork()) == -1) {
		*cause = careform_printf("fork: %s", strerror(errno));
		close(fd);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		careform_xls_child(fd, p[1]);
	}
	close(p[1]);
	close(fd);
	rc = careform_xls_cells(p[0], g, cause);
	close(p[0]);
	/* Done or not, the child has nothing more to give: a child that
	   sent its end and then waited must not hold the loop. */
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	/* Every cell and the end came (rc 0), or the file is refused. */
	return rc;
}
