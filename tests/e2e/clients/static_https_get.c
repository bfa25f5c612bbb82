/*
 * A minimal HTTPS GET client with OpenSSL linked in statically and its
 * symbols exported (-rdynamic), for l7trace's end-to-end tests.
 * Usage: static_https_get PORT PATH [DELAY_MS]
 */
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char req[256], buf[4096];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;

	if (argc < 3)
		return 2;
	if (argc > 3)
		usleep(atoi(argv[3]) * 1000);
	sa.sin_port = htons(atoi(argv[1]));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 1;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		return 1;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: static\r\nConnection: close\r\n\r\n", argv[2]);
	SSL_write(ssl, req, strlen(req));
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	SSL_shutdown(ssl);
	close(fd);
	return 0;
}
