/*
 * Sends N DNS A queries in one sendmmsg(2) and reads the answers with
 * recvmmsg(2), for l7trace's end-to-end tests (resolvers batch like this).
 * Usage: mmsg_dns PORT NAME... ; prints one line per answer: "id bytes".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXQ 8

static int query(unsigned char *out, int id, const char *name)
{
	unsigned char *p = out;
	const char *label = name;

	*p++ = id >> 8, *p++ = id & 0xff, *p++ = 0x01, *p++ = 0x00;	/* RD */
	*p++ = 0, *p++ = 1, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 0;
	while (*label) {
		const char *dot = strchr(label, '.');
		int n = dot ? dot - label : (int)strlen(label);

		*p++ = n;
		memcpy(p, label, n);
		p += n;
		label += n + (dot ? 1 : 0);
	}
	*p++ = 0, *p++ = 0, *p++ = 1, *p++ = 0, *p++ = 1;	/* A, IN */
	return p - out;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char q[MAXQ][300], a[MAXQ][1500];
	struct iovec qv[MAXQ], av[MAXQ];
	struct mmsghdr qm[MAXQ], am[MAXQ];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), n = argc - 2, got = 0;

	if (n < 1 || n > MAXQ)
		return 2;
	sa.sin_port = htons(atoi(argv[1]));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 1;
	memset(qm, 0, sizeof(qm));
	memset(am, 0, sizeof(am));
	for (int i = 0; i < n; i++) {
		qv[i].iov_base = q[i];
		qv[i].iov_len = query(q[i], 0x1000 + i, argv[i + 2]);
		qm[i].msg_hdr.msg_iov = &qv[i];
		qm[i].msg_hdr.msg_iovlen = 1;
		av[i].iov_base = a[i];
		av[i].iov_len = sizeof(a[i]);
		am[i].msg_hdr.msg_iov = &av[i];
		am[i].msg_hdr.msg_iovlen = 1;
	}
	if (sendmmsg(fd, qm, n, 0) != n)
		return 1;
	while (got < n) {
		int r = recvmmsg(fd, am + got, n - got, MSG_WAITFORONE, NULL);

		if (r <= 0)
			return 1;
		got += r;
	}
	for (int i = 0; i < n; i++)
		printf("%d %u\n", a[i][0] << 8 | a[i][1], am[i].msg_len);
	return 0;
}
