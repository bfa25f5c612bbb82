/*
 * An HTTP/1.1 client that makes one 32-bit (compat) syscall between its
 * first request and the response: int $0x80 with eax = 3, the i386 read,
 * on a pipe, while rdi holds the socket's fd. In the x86_64 table 3 is close,
 * and rdi its fd: a tracer that ignored the table the syscall came from
 * would take the socket for closed.
 *
 * usage: compat_syscall PORT; two keep-alive exchanges (/ok?first,
 * /ok?second, each answered "ok"), then "ok" on stdout.
 * Built with -no-pie so the buffer's address fits in 32 bits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char pipe_buf[16];

static long compat_read(int fd, char *buf, long len, long rdi)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(3L), "b"((long)fd), "c"(buf), "d"(len), "D"(rdi)
		     : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Reads one response whose body is "ok" (Content-Length: 2): up to its end. */
static int read_response(int s)
{
	char buf[4096];
	size_t got = 0;

	for (;;) {
		ssize_t n = read(s, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			return -1;
		got += n;
		buf[got] = 0;
		if (strstr(buf, "\r\n\r\nok"))
			return 0;
	}
}

static int send_request(int s, const char *path)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: compat\r\n\r\n", path);

	return write(s, req, n) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int p[2], s;

	if (argc != 2)
		return 2;
	addr.sin_port = htons(atoi(argv[1]));
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) || pipe(p))
		return perror("compat_syscall"), 1;
	/* Between the first request and its response. */
	if (send_request(s, "/ok?first"))
		return fprintf(stderr, "first request failed\n"), 1;
	if (write(p[1], "x", 1) != 1 || compat_read(p[0], pipe_buf, sizeof(pipe_buf), s) != 1)
		return fprintf(stderr, "the i386 read of the pipe failed\n"), 1;
	if (read_response(s))
		return fprintf(stderr, "first response failed\n"), 1;
	if (send_request(s, "/ok?second") || read_response(s))
		return fprintf(stderr, "second exchange failed\n"), 1;
	close(s);
	puts("ok");
	return 0;
}
