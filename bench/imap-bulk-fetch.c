/* imap-bulk-fetch.c — the ceiling of bench/imap-sync.py: the least an IMAP
 * client can do to have every message of INBOX, one `UID FETCH 1:*
 * BODY.PEEK[]`, its reply read whole into memory (the literals are counted
 * and dropped, nothing is parsed or written).
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   imap-bulk-fetch PORT tls|plain CA-FILE USER PASSWORD
 *
 * Connects to 127.0.0.1:PORT (STARTTLS with the certificate checked against
 * CA-FILE and the address, for tls), logs in, selects INBOX, fetches, logs
 * out, and prints `fetched N messages, B bytes`. Build:
 *   cc -O2 -o imap-bulk-fetch imap-bulk-fetch.c -lssl -lcrypto
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fd = -1;
static SSL *ssl;
static char *buf;
/* Unread bytes are buf[start, start + buf_len). */
static size_t start, buf_len, buf_cap = 1 << 20;
static int tag_no;

static void
die (const char *what)
{
  fprintf (stderr, "imap-bulk-fetch: %s\n", what);
  ERR_print_errors_fp (stderr);
  exit (1);
}

static void
fill (void)
{
  ssize_t n;
  char *end;

  if (buf_cap - start - buf_len < (1 << 16))
    {
      memmove (buf, buf + start, buf_len);
      start = 0;
    }
  if (buf_cap - buf_len < (1 << 16))
    {
      buf_cap *= 2;
      buf = realloc (buf, buf_cap);
      if (buf == NULL)
        die ("out of memory");
    }
  end = buf + start + buf_len;
  if (ssl != NULL)
    n = SSL_read (ssl, end, (int) (buf_cap - start - buf_len));
  else
    n = read (fd, end, buf_cap - start - buf_len);
  if (n <= 0)
    die ("the connection ended");
  buf_len += (size_t) n;
}

static void
consume (size_t n)
{
  start += n;
  buf_len -= n;
}

/* The next line, without its CRLF, into @line (at most @cap bytes kept). */
static void
read_line (char *line, size_t cap)
{
  char *end;

  while ((end = memmem (buf + start, buf_len, "\r\n", 2)) == NULL)
    fill ();
  size_t len = (size_t) (end - (buf + start));
  size_t keep = len < cap - 1 ? len : cap - 1;
  memcpy (line, buf + start, keep);
  line[keep] = '\0';
  /* A long line keeps its tail, where a literal's size is. */
  if (len >= cap - 1 && cap > 32)
    memcpy (line + keep - 31, end - 31, 31);
  consume (len + 2);
}

static void
send_text (const char *text)
{
  size_t len = strlen (text);
  if (ssl != NULL ? SSL_write (ssl, text, (int) len) != (int) len
                  : write (fd, text, len) != (ssize_t) len)
    die ("cannot send");
}

/* Sends @command and reads to its tagged reply; literals are skipped. */
static void
command (const char *command, unsigned long *literals, unsigned long long *bytes)
{
  char tag[16], text[1024], line[4096];
  size_t tag_len;

  snprintf (tag, sizeof tag, "b%d ", ++tag_no);
  tag_len = strlen (tag);
  snprintf (text, sizeof text, "%s%s\r\n", tag, command);
  send_text (text);
  for (;;)
    {
      read_line (line, sizeof line);
      for (;;)
        {
          size_t len = strlen (line);
          char *open;
          unsigned long size;

          if (len < 3 || line[len - 1] != '}' || (open = strrchr (line, '{')) == NULL)
            break;
          size = strtoul (open + 1, NULL, 10);
          /* Read whole (into memory) before it is dropped. */
          while (buf_len < size)
            fill ();
          consume (size);
          if (literals)
            (*literals)++;
          if (bytes)
            *bytes += size;
          read_line (line, sizeof line);
        }
      if (strncmp (line, tag, tag_len) == 0)
        {
          if (strncmp (line + tag_len, "OK", 2) != 0)
            die (line);
          return;
        }
    }
}

int
main (int argc, char **argv)
{
  struct sockaddr_in sin = { 0 };
  char line[4096], login[512];
  unsigned long literals = 0;
  unsigned long long bytes = 0;

  if (argc != 6)
    die ("usage: imap-bulk-fetch PORT tls|plain CA-FILE USER PASSWORD");
  buf = malloc (buf_cap);
  fd = socket (AF_INET, SOCK_STREAM, 0);
  sin.sin_family = AF_INET;
  sin.sin_port = htons ((unsigned short) atoi (argv[1]));
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    die ("cannot connect");
  read_line (line, sizeof line);
  if (strcmp (argv[2], "tls") == 0)
    {
      SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());

      command ("STARTTLS", NULL, NULL);
      if (SSL_CTX_load_verify_locations (ctx, argv[3], NULL) != 1)
        die ("cannot load the CA");
      SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
      ssl = SSL_new (ctx);
      X509_VERIFY_PARAM_set1_ip_asc (SSL_get0_param (ssl), "127.0.0.1");
      SSL_set_fd (ssl, fd);
      if (SSL_connect (ssl) != 1)
        die ("the TLS handshake failed");
    }
  snprintf (login, sizeof login, "LOGIN %s %s", argv[4], argv[5]);
  command (login, NULL, NULL);
  command ("SELECT INBOX", NULL, NULL);
  command ("UID FETCH 1:* BODY.PEEK[]", &literals, &bytes);
  command ("LOGOUT", NULL, NULL);
  printf ("fetched %lu messages, %llu bytes\n", literals, bytes);
  return 0;
}
